"""Server-rendered pages (Jinja2 + htmx) for process owners, advisors and customers."""
