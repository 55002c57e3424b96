"""The HTTP API: a FastAPI app over Kapula's use cases (see app.create_app)."""
