"""How a scenario step fails: a broken rule (StepFailed) or a phrase no step knows (UndefinedStep)."""

from __future__ import annotations


class StepFailed(AssertionError):
    """The model did not do what the step says; the message says what it did instead."""


class UndefinedStep(StepFailed):
    """No step of the library matches the phrase."""
