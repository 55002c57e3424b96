"""Gherkin scenarios of process rules: the step library, its world on a Kapula, and the `kapula test` runner."""
