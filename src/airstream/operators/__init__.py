"""Operators: the built-in kinds of task (bash, python, empty, branching, SQL, triggering)."""
