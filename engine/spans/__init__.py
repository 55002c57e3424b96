"""Task spans: one row per element instance of a case, derived from the event log for the metrics."""
