"""The on-call notice timer of each schedule: armed again whenever who is on call may
have changed (definition, overrides, a swap accepted), in the transaction that changed it.

Arming it due now makes its handler (``notify.oncall``) look at once with the new data:
it sends what became due in the last minutes (an override starting now tells its user
now), and arms itself for the next notice. Notices it already sent are not sent again
(their outbox keys are unique).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from tocsin.store.timers import arm_within, disarm_within

ONCALL_NOTICE_TIMER = "oncall_notice"


def rearm_notices(conn: Connection, schedule_id: str, now: datetime) -> None:
    """Look at ``schedule_id``'s notices again now, once ``conn``'s transaction commits
    (after writing the schedule or its overrides: the subject before its timer)."""
    arm_within(conn, kind=ONCALL_NOTICE_TIMER, subject=schedule_id, due_at=now, now=now)


def drop_notices(conn: Connection, schedule_id: str) -> None:
    """Drop the timer of a schedule being deleted."""
    disarm_within(conn, ONCALL_NOTICE_TIMER, schedule_id)
