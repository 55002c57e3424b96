"""The values use cases return that the adapters render: access-log entries, erasures, metrics, the demo's report,
scenario reports. Defined beside the machinery that computes them; named here for the adapters."""

from __future__ import annotations

from engine.access.access_log import AccessEntry
from engine.demo import DemoReport
from engine.erasure import ErasureResult
from engine.metrics.distribution import LeadTimeHistogram
from engine.metrics.types import HandoffCell, ProcessMetrics, StageStats, Stats, TargetProgress
from engine.scenarios.report import TestReport

__all__ = [
    "AccessEntry",
    "DemoReport",
    "ErasureResult",
    "HandoffCell",
    "LeadTimeHistogram",
    "ProcessMetrics",
    "StageStats",
    "Stats",
    "TargetProgress",
    "TestReport",
]
