"""Escalation: whom to page, and when, until someone acknowledges.

``policy`` is the pure model of an escalation policy and the arithmetic of its steps (no
I/O, no clock: ``now`` is passed in). Targets are resolved to people and pages are
queued by the parts built on it (the escalation timer handler and the notification
outbox, issue 11).
"""
