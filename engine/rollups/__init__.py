"""Rollups: per-version, per-month aggregates of task_span and case that the database keeps in every writing transaction."""
