"""Running cases: live workflows, their script engine and timers."""
