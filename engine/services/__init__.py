"""The service layer: one method per use case, each in one transaction, grouped by area.

Each step (start, complete, cancel, fire timers) loads the case (from the in-memory cache when its
row version still matches), runs SpiffWorkflow until the case waits, then writes the changed task
rows, the new event rows and the case row in one transaction. The case row's update checks the
row version it read, so of two concurrent steps on one case one commits and the other gets a
ConflictError and changes nothing.

Areas: definitions (deploy, versions), cases (start, cancel, erasure), incidents (firing due timers
case by case, retrying failed unattended steps), tasks (complete,
claim), reading (cases, tasks, history), listing (the inbox
and case lists, paged in SQL), measures (metrics, exports, drawings), migration (moving running
cases to another version), messages (sent to a case from outside; routing passes on those a step
threw to the cases of other pools), accounts (user and token administration, its refusals
logged); shared holds the
database, clock and caches they all use.
"""

from __future__ import annotations

from engine.services.accounts import AccountUseCases
from engine.services.cases import CaseUseCases
from engine.services.definitions import DefinitionUseCases
from engine.services.incidents import IncidentUseCases
from engine.services.listing import ListingUseCases
from engine.services.measures import MeasureUseCases
from engine.services.messages import MessageUseCases
from engine.services.migration import MigrationUseCases
from engine.services.reading import ReadingUseCases
from engine.services.tasks import TaskUseCases


class Kapula(
    DefinitionUseCases,
    CaseUseCases,
    IncidentUseCases,
    TaskUseCases,
    ReadingUseCases,
    ListingUseCases,
    MeasureUseCases,
    MigrationUseCases,
    MessageUseCases,
    AccountUseCases,
):
    """Kapula's use cases over one database. Thread-safe; share one per process."""


__all__ = ["Kapula"]
