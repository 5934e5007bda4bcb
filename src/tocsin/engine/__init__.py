"""The runtime: the group-commit writer (and, later, timers and the notifier)."""
