"""The `labgrade` command: the grader's commands with the simulated lab's wired in (command.py)."""
