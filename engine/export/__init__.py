"""Exports of a process's event log for process-mining tools: XES (IEEE 1849), OCEL 2.0 JSON, CSV."""
