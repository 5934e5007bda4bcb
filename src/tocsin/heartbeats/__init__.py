"""Heartbeats (dead-man's switches): a job that stops checking in raises an alert."""
