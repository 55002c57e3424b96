"""What an operator runs from the command line besides the use cases: reading model folders into
upload bundles, the demo, the database schema's migrations, and the Gherkin scenario runner."""

from __future__ import annotations

from engine.bundles import upload_bundles
from engine.demo import demo_clock, run_demo
from engine.demo_people import DEMO_PASSWORD, add_demo_people
from engine.persistence.database import database_url, make_engine
from engine.persistence.migrate import current_revision, head_revision, upgrade
from engine.scenarios.report import render as render_scenario_report
from engine.scenarios.runner import run_features

__all__ = [
    "DEMO_PASSWORD",
    "add_demo_people",
    "current_revision",
    "database_url",
    "demo_clock",
    "head_revision",
    "make_engine",
    "render_scenario_report",
    "run_demo",
    "run_features",
    "upgrade",
    "upload_bundles",
]
