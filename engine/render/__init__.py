"""Swimlane diagrams (graphviz) and process cards: build_*() is pure, write_*() does I/O."""
