"""Process metrics from the event log, computed with aggregate SQL; exports of the log."""
