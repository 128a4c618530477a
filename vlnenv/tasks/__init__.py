"""Tasks: episode records, task sampling and the expert that solves a task."""
