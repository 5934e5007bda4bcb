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
from tocsin.schedules.store.in_batch import paged_by_schedule
from tocsin.store.batch import Batch


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


def users_reached(store: Batch, cur: Any, targets: Sequence[Target], now: datetime) -> list[str]:
    """The users ``targets`` reach at ``now``, each once, in the targets' order."""
    found: list[str] = []
    for target in targets:
        if target.kind is TargetKind.USER:
            names: Sequence[str] = (target.name,)
        elif target.kind is TargetKind.SCHEDULE:
            names = paged_by_schedule(store, cur, target.name, now)
        else:
            cur.execute(
                "SELECT u.name FROM team_members m JOIN teams t ON t.id = m.team_id "
                f"JOIN users u ON u.id = m.user_id WHERE t.name = {store.mark} ORDER BY u.name",
                (target.name,),
            )
            names = [row[0] for row in cur.fetchall()]
        found += [n for n in names if n not in found]
    return found
