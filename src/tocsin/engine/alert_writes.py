"""Writing a batch's alert events: take the locks, plan, write, and plan again if needed.

The group-commit writer (``engine.writer``) hands every alert event of a batch here, inside
its transaction. The locks are taken up front in the order of ``docs/architecture.md``
(dedup keys, then open incidents); the dedup decision is ``core.dedup.plan_batch``; the
statements are ``alerts.ingest_store.IngestStore``'s. A step that may wait for another
process's lock (PostgreSQL) goes through ``may_wait``, which runs it off the event loop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from tocsin.alerts.ingest_store import IngestStore
from tocsin.core.dedup import Outcome, plan_batch
from tocsin.core.events import Action, AlertEvent, Route
from tocsin.core.grouping import GroupingMode, OpenIncident, group_key
from tocsin.core.suppression import Suppression
from tocsin.ids import new_id

T = TypeVar("T")
MayWait = Callable[[Callable[[], T]], Awaitable[T]]
Suppress = Callable[[AlertEvent], Suppression | None]


async def write_alerts(
    store: IngestStore,
    cur: Any,
    events: Sequence[AlertEvent],
    suppress: Suppress,
    may_wait: MayWait[Any],
) -> list[Outcome]:
    """Store ``events`` (in arrival order) and return each one's outcome."""
    routes = {e.route.service_id: e.route for e in events}
    groups = {
        (e.route.service_id, group_key(e.route.grouping, e.route.grouping_labels, e.labels))
        for e in events
        if e.route.grouping is not GroupingMode.PER_ALERT
    }
    # Only acknowledge and resolve recheck an incident's status (see IngestStore).
    joining = all(e.action is Action.TRIGGER or e.action is Action.REEVALUATE for e in events)
    # How far to count an incident's triggered alerts: far enough to tell whether this
    # batch's acknowledgements and resolutions could leave none (core.dedup).
    count = (
        0
        if joining
        else 1 + sum(e.action is Action.ACKNOWLEDGE or e.action is Action.RESOLVE for e in events)
    )

    def load(wanted: set[tuple[str, str]]) -> dict[tuple[str, str], OpenIncident]:
        return store.incidents.open_incidents(
            cur, wanted, only_joining=joining, count_triggered=count
        )

    # Every lock is taken up front, in one step: the dedup keys' (sorted), then the open
    # incidents' rows. While another process holds one, the loop parses requests.
    def lock() -> dict[tuple[str, str], OpenIncident]:
        store.lock_keys(cur, events)
        return load(groups)

    open_incidents: dict[tuple[str, str], OpenIncident] = await may_wait(lock)
    outcomes: list[Outcome] = []
    remaining = list(events)
    while remaining:
        planned = await _plan_and_apply(
            store, cur, remaining, open_incidents, groups, load, routes, suppress, may_wait
        )
        outcomes += planned
        remaining = remaining[len(planned) :]
        if remaining:
            # The plan stopped before an alert joining an incident it acknowledged or
            # resolved alerts of: plan the rest with what is stored now.
            open_incidents = load(groups)
    return outcomes


async def _plan_and_apply(
    store: IngestStore,
    cur: Any,
    events: list[AlertEvent],
    open_incidents: dict[tuple[str, str], OpenIncident],
    groups: set[tuple[str, str]],
    load: Callable[[set[tuple[str, str]]], dict[tuple[str, str], OpenIncident]],
    routes: Mapping[str, Route],
    suppress: Suppress,
    may_wait: MayWait[Any],
) -> list[Outcome]:
    """Plan ``events`` (the plan may cover only the first ones) and write the plan;
    return the outcomes of the events it covered."""
    open_alerts = store.open_alerts(cur, events)
    recent = store.recent_changes(cur, events)
    plan = plan_batch(events, open_alerts, open_incidents, new_id, suppress, recent)
    opening = {(i.service_id, i.group_key) for i in plan.incidents} & groups
    if opening and store.concurrent_writers:
        # Another process may be opening the same group's incident: take its lock,
        # look again, and plan again with what we find.
        def look_again() -> dict[tuple[str, str], OpenIncident]:
            store.incidents.lock_creation(cur, opening)
            return load(opening)

        open_incidents.update(await may_wait(look_again))
        plan = plan_batch(events, open_alerts, open_incidents, new_id, suppress, recent)
    # Incidents to recheck that are not the open ones just locked (older incidents
    # whose alerts were acknowledged or resolved) are locked before the writes.
    unlocked = plan.incidents_to_recheck - {i.id for i in open_incidents.values()}
    if unlocked and store.concurrent_writers:
        await may_wait(lambda: store.incidents.lock(cur, unlocked))
    store.apply(cur, plan, routes)
    return [r.outcome for r in plan.events]
