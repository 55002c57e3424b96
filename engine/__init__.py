"""Kapula's domain: BPMN definitions, cases, tasks, lanes and the event log. Knows nothing of HTTP."""
