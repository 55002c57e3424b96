"""The expression and script language of diagrams, free of SpiffWorkflow: what is allowed, how it runs.

A leaf (an import-linter contract in pyproject.toml): it imports of the engine only the pure leaves
errors, model, settings and data_limits, never engine.runtime, the services, persistence or
SpiffWorkflow, so the upload checks (engine.bpmn_xml) and the running case (engine.runtime) share
one reading of each text:

- allowed.py: the functions, operators and methods allowed, read by checks.py and sandbox.py alike;
- checks.py: the static allow-list an expression or script must pass (at upload and before it runs);
- limits.py: size limits, guarded operations and the refusal errors (ScriptRefusedError);
- sandbox.py: the simpleeval evaluator with its allowed functions and methods and the CPU-time budget;
- evaluation.py: an expression's value and a script's run over case data (what the script engine calls);
- languages.py: conditions written in JUEL or FEEL translated into the sandbox's Python, or refused;
- feel.py, dmn_cells.py: a DMN input cell read as FEEL unary tests or a Python test;
- timer_values.py: timer texts as ISO 8601 durations, dates and cycles, with Kapula's bounds.
"""
