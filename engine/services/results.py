"""The values use cases return that the adapters render: access-log entries, erasures, metrics,
scenario reports. Defined beside the machinery that computes them; named here for the adapters."""

from __future__ import annotations

from engine.access.access_log import AccessEntry
from engine.erasure import ErasureResult
from engine.metrics.distribution import LeadTimeHistogram
from engine.metrics.types import HandoffCell, ProcessMetrics, TargetProgress
from engine.scenarios.report import TestReport

__all__ = ["AccessEntry", "ErasureResult", "HandoffCell", "LeadTimeHistogram", "ProcessMetrics", "TargetProgress", "TestReport"]
