"""SpiffWorkflow's task states, task type and step failure, as the rest of the engine names them:
engine.runtime is the only door to SpiffWorkflow (an import-linter contract in pyproject.toml)."""

from __future__ import annotations

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

# a step of SpiffWorkflow failed: the services turn it into CaseStepError
StepFailure = SpiffWorkflowException
# one task of a live workflow
RuntimeTask = Task

READY: int = TaskState.READY
COMPLETED: int = TaskState.COMPLETED
CANCELLED: int = TaskState.CANCELLED


def state_name(state: int) -> str:
    """SpiffWorkflow's name of a task state: READY, COMPLETED, …"""
    return str(TaskState.get_name(state))
