"""The one error the schedules domain raises, for the pure edits and the store alike."""

from __future__ import annotations


class ScheduleError(Exception):
    """A request the schedules cannot honour: ``code`` and ``message`` for the client."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
