"""Alerts: what senders report, deduplicated by key, each with its event log."""
