"""Whom an escalation step reaches: targets (users, schedules, teams) to user names.

Statements on the writer's transaction, resolved at the instant the step pages: a
schedule target pages whoever is on call then (shadows included), a team its members,
a round-robin level the next target in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tocsin.escalation.policy import Level, LevelMode, Policy, Target, TargetKind
from tocsin.schedules.store.in_batch import ScheduleReads
from tocsin.store.batch import Batch, placeholders


def take_turn(store: Batch, cur: Any, policy: Policy, index: int, level: Level) -> int:
    """Whose turn it is at a round-robin level, moving the turn on in the same statement
    (two processes never take the same turn); 0 for a level that pages everyone."""
    if level.mode is not LevelMode.ROUND_ROBIN:
        return 0
    p = store.mark
    mod = "%%" if store.concurrent_writers else "%"  # psycopg: a literal % is %%
    count = len(level.targets)
    cur.execute(
        f"INSERT INTO escalation_turns (policy, level, next_turn) VALUES ({p}, {p}, 1) "
        "ON CONFLICT (policy, level) DO UPDATE "
        f"SET next_turn = (escalation_turns.next_turn + 1) {mod} {p} RETURNING next_turn",
        (policy.name, index, count),
    )
    taken = int(cur.fetchone()[0])
    return (taken - 1) % count


_TABLES = {TargetKind.USER: "users", TargetKind.SCHEDULE: "schedules", TargetKind.TEAM: "teams"}


def missing_targets(store: Batch, cur: Any, targets: Sequence[Target]) -> list[str]:
    """``targets`` that name nothing (``"user bobby"``), each once, in their order: a
    policy or a request to add responders may only name what exists (an archived team
    does not)."""
    missing: list[str] = []
    for kind, table in _TABLES.items():
        names = sorted({t.name for t in targets if t.kind is kind})
        if not names:
            continue
        live = " AND archived_at IS NULL" if kind is TargetKind.TEAM else ""
        cur.execute(
            f"SELECT name FROM {table} WHERE name IN ({placeholders(len(names), store.mark)})"
            + live,
            names,
        )
        found = {row[0] for row in cur.fetchall()}
        missing += [f"{kind.value} {n}" for n in names if n not in found]
    order = {f"{t.kind.value} {t.name}": i for i, t in reversed(list(enumerate(targets)))}
    return sorted(missing, key=order.__getitem__)


def users_reached(
    store: Batch,
    cur: Any,
    targets: Sequence[Target],
    now: datetime,
    reads: TargetReads | None = None,
) -> list[str]:
    """The users ``targets`` reach at ``now``, each once, in the targets' order; ``reads``
    shares the schedule and team reads of one batch of firings."""
    reads = reads or TargetReads(store, cur, now)
    found: list[str] = []
    for target in targets:
        found += [n for n in reads.names(target, now) if n not in found]
    return found


class TargetReads:
    """The schedule and team reads of ``users_reached``, made once for all the decisions of
    one transaction (a batch of escalation firings) at instants from ``since`` on."""

    def __init__(self, store: Batch, cur: Any, since: datetime) -> None:
        self.store, self.cur = store, cur
        self.schedules = ScheduleReads(store, cur, since)
        self.teams: dict[str, list[str]] = {}

    def names(self, target: Target, now: datetime) -> Sequence[str]:
        """Whom one target reaches at ``now``."""
        if target.kind is TargetKind.USER:
            return (target.name,)
        if target.kind is TargetKind.SCHEDULE:
            return self.schedules.paged(target.name, now)
        if target.name not in self.teams:
            self.cur.execute(
                "SELECT u.name FROM team_members m JOIN teams t ON t.id = m.team_id "
                "JOIN users u ON u.id = m.user_id "
                f"WHERE t.name = {self.store.mark} ORDER BY u.name",
                (target.name,),
            )
            self.teams[target.name] = [row[0] for row in self.cur.fetchall()]
        return self.teams[target.name]
