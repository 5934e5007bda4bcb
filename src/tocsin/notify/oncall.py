"""The on-call notice timer: tell people when their shifts come and begin.

One ``oncall_notice`` timer per schedule (subject: the schedule's id), armed whenever the
schedule or its overrides change (``schedules.store.notice_timer``) and at start-up for
a schedule that has none. A firing computes the schedule's notices from its final
schedule (layers, the file's and the API's overrides: ``schedules.notices.plan``),
queues those due now as outbox rows through each person's low-urgency notification
rules, and re-arms itself for the next notice. Everything happens in the writer's
transaction; the outbox keys (``oncall/<schedule id>/<user>/<shift start>/<kind>/<rule>/
<method>``) are unique, so a replayed firing queues nothing twice.

No subject lock: a firing only reads the schedule. An edit writes the schedule, then
re-arms the timer (waiting for a firing that holds the timer row), so the firing after
the edit sees the new schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import msgspec

from tocsin.core.wallclock import as_zone
from tocsin.inputs import STORED
from tocsin.notify.outbox import Page, queue
from tocsin.notify.recipients import contact_methods, notification_rules
from tocsin.schedules.definition import ScheduleDefinition, to_schedule
from tocsin.schedules.handoff import render_text
from tocsin.schedules.model import Override
from tocsin.schedules.notices import HORIZON, LOOKBACK, Notice, NoticeKind, plan
from tocsin.schedules.store.handoff_data import handoff_report
from tocsin.schedules.store.notice_timer import ONCALL_NOTICE_TIMER
from tocsin.store.batch import Batch
from tocsin.store.timers import Firing, Timer, arm_many

log = logging.getLogger(__name__)

TIMER_KIND = ONCALL_NOTICE_TIMER
URGENCY = "low"  # notices are not emergencies: the people's low-urgency rules apply


def on_oncall_notice(store: Batch, cur: Any, timer: Timer, now: datetime) -> Firing:
    """Queue the schedule's notices due now; fire again at the next one."""
    found = _schedule(store, cur, timer.subject, now)
    if found is None:
        return Firing()  # the schedule was deleted
    name, definition, overrides = found
    try:
        planned = plan(to_schedule(name, definition, overrides), definition.notify.settings(), now)
    except (ValueError, OverflowError):
        log.exception("schedule %r cannot be computed: no on-call notices", name)
        return Firing()
    users = sorted({notice.shift.user for notice in planned.due})
    reach = {user: (methods, rules) for user, methods, rules in contact_methods(store, cur, users)}
    pages: list[Page] = []
    for notice in planned.due:
        if notice.shift.user not in reach:
            continue  # no such user (any more)
        message = _message(store, cur, name, definition, notice, now)
        pages += _pages(timer.subject, notice, message, *reach[notice.shift.user], now)
    queue(store, cur, pages, now)
    return Firing(next_due=planned.next_at)


def arm_missing(store: Batch, cur: Any, now: datetime) -> None:
    """Arm the notice timer of every schedule that has none (made before notices were)."""
    cur.execute(
        "SELECT s.id FROM schedules s WHERE NOT EXISTS (SELECT 1 FROM timers t "
        f"WHERE t.kind = {store.mark} AND t.subject = s.id)",
        (TIMER_KIND,),
    )
    arm_many(store, cur, kind=TIMER_KIND, due={row[0]: now for row in cur.fetchall()}, now=now)


def _schedule(
    store: Batch, cur: Any, schedule_id: str, now: datetime
) -> tuple[str, ScheduleDefinition, tuple[Override, ...]] | None:
    p = store.mark
    cur.execute(f"SELECT name, definition FROM schedules WHERE id = {p}", (schedule_id,))
    row = cur.fetchone()
    if row is None:
        return None
    name, document = row
    cur.execute(
        "SELECT user_name, starts_at, ends_at, replaces FROM schedule_overrides "
        f"WHERE schedule_id = {p} AND ends_at > {p} ORDER BY created_at, id",
        (schedule_id, store.db_time(now - LOOKBACK)),
    )
    overrides = tuple(
        Override(user, store.from_db_time(start), store.from_db_time(end), replaces)  # type: ignore[arg-type]
        for user, start, end, replaces in cur.fetchall()
    )
    if isinstance(document, str | bytes):
        document = msgspec.json.decode(document)
    return name, ScheduleDefinition.model_validate(document, context=STORED), overrides


def _message(
    store: Batch,
    cur: Any,
    schedule: str,
    definition: ScheduleDefinition,
    notice: Notice,
    now: datetime,
) -> dict[str, Any]:
    """The JSON document every channel renders: ``title`` and ``text`` say it all."""
    shift = notice.shift
    zone = definition.time_zone

    def clock(at: datetime) -> str:
        return f"{at.astimezone(as_zone(zone)):%a %d %b %H:%M %Z}"

    until = clock(shift.end) if shift.end else "further notice"
    sentence = f"You are on call for {schedule} from {clock(shift.start)} to {until}."
    if notice.kind is NoticeKind.HANDOFF_REPORT:
        report = handoff_report(
            store,
            cur,
            schedule=schedule,
            team=definition.team,
            time_zone=zone,
            shift_start=shift.start,
            shift_end=shift.end or now + HORIZON,
            outgoing=shift.previous,
            outgoing_since=shift.previous_start,
            incoming=shift.user,
            now=now,
        )
        title, text = report.title, render_text(report)
    elif notice.kind is NoticeKind.SHIFT_REMINDER:
        title, text = f"On call soon: {schedule} from {clock(shift.start)}", sentence
    else:
        title, text = f"On call: {schedule} from {clock(shift.start)}", sentence
    return {
        "type": "tocsin.on_call",
        "kind": notice.kind.value,
        "schedule": schedule,
        "user": shift.user,
        "shift": {
            "start": shift.start.isoformat(),
            "end": shift.end.isoformat() if shift.end else None,
        },
        "previous": shift.previous,
        "title": title,
        "text": text,
        "urgency": URGENCY,
    }


def _pages(
    schedule_id: str,
    notice: Notice,
    message: dict[str, Any],
    methods: Sequence[dict[str, str]],
    rules: dict[str, Any],
    now: datetime,
) -> list[Page]:
    """A page per low-urgency rule and contact method of the notice's user."""
    user = notice.shift.user
    where = f"oncall/{schedule_id}/{user}/{notice.shift.start.isoformat()}/{notice.kind.value}"
    pages = []
    for r, (delay, via) in enumerate(notification_rules(rules, URGENCY)):
        for m, method in enumerate(methods):
            if via is not None and method["type"] != via:
                continue
            due: datetime | None = now + delay if delay > timedelta(0) else None
            pages.append(
                Page(
                    f"{where}/{r}/{m}",
                    None,
                    user,
                    method["type"],
                    method["address"],
                    message,
                    method.get("secret"),
                    due,
                )
            )
    return pages
