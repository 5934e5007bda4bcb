"""Escalation policies and their steps, as pure values and functions.

A policy is an ordered list of levels, each paging some targets (users, schedules, teams)
and waiting ``delay`` before the next level; after the last level the whole policy starts
over ``repeat`` more times, then the escalation is exhausted. A level pages every target
(``all``) or one of them in turn (``round_robin``). The policy is snapshotted into the
incident when it triggers (``to_document``/``from_document``), so editing a policy never
changes an escalation in flight.

Steps are timed from when the previous step was *due*, not from when it ran, so a late
firing does not push every later level back. When Tocsin was down past several steps,
the missed ones are collapsed: the escalation jumps to where it would be now and pages
that step once (``Step.skipped`` says how many it passed), never a burst of old pages.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


class TargetKind(enum.StrEnum):
    """What a level pages: a user, whoever a schedule has on call, or a team's members."""

    USER = "user"
    SCHEDULE = "schedule"
    TEAM = "team"


class LevelMode(enum.StrEnum):
    """Page every target of the level, or one of them, taking turns."""

    ALL = "all"
    ROUND_ROBIN = "round_robin"


@dataclass(frozen=True, slots=True)
class Target:
    kind: TargetKind
    name: str


@dataclass(frozen=True, slots=True)
class Level:
    targets: tuple[Target, ...]
    delay: timedelta  # before the next level (or the next repeat) is paged
    mode: LevelMode = LevelMode.ALL

    def __post_init__(self) -> None:
        if not self.targets:
            raise ValueError("a level needs at least one target")
        if self.delay <= timedelta(0):
            raise ValueError("a level's delay must be longer than zero")

    def pick(self, turn: int) -> tuple[Target, ...]:
        """The targets this level pages on its ``turn``-th use (round robin: one)."""
        if self.mode is LevelMode.ALL:
            return self.targets
        return (self.targets[turn % len(self.targets)],)


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    levels: tuple[Level, ...]
    repeat: int = 0  # times the whole policy starts over after its last level
    fallback: tuple[Target, ...] = ()  # paged when a level finds nobody (a coverage gap)

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError("a policy needs at least one level")
        if self.repeat < 0:
            raise ValueError("repeat must not be negative")


@dataclass(frozen=True, slots=True, order=True)
class Position:
    """Where an escalation is: the pass over the policy (0 = first) and the level."""

    repeat: int
    level: int


@dataclass(frozen=True, slots=True)
class Step:
    """A step to page now: its position, when the next is due (None: this was the last),
    and how many due steps were passed over to get here (collapsed while down)."""

    position: Position
    next_due: datetime | None
    skipped: int = 0


def following(policy: Policy, position: Position) -> Position | None:
    """The position after ``position``; None when the policy is exhausted."""
    if position.level + 1 < len(policy.levels):
        return Position(position.repeat, position.level + 1)
    if position.repeat < policy.repeat:
        return Position(position.repeat + 1, 0)
    return None


def _next_due(policy: Policy, position: Position, paged_due: datetime) -> datetime | None:
    if following(policy, position) is None:
        return None
    return paged_due + policy.levels[position.level].delay


def start(policy: Policy, now: datetime) -> Step:
    """The first step, paged when the incident triggers."""
    first = Position(0, 0)
    return Step(first, _next_due(policy, first, now))


def advance(policy: Policy, position: Position, due_at: datetime, now: datetime) -> Step | None:
    """The step to page when the timer set after ``position`` fires at ``now`` (it was due
    at ``due_at``); None when ``position`` was the last. Steps whose due time had also
    passed are skipped, so a late firing pages once, where the escalation is by now."""
    current = following(policy, position)
    if current is None:
        return None
    due, skipped = due_at, 0
    while True:
        next_due = _next_due(policy, current, due)
        after = following(policy, current)
        if next_due is None or after is None or next_due > now:
            return Step(current, next_due, skipped)
        current, due, skipped = after, next_due, skipped + 1


def to_document(policy: Policy) -> dict[str, Any]:
    """The policy as JSON (the snapshot an incident keeps, the stored definition)."""
    return {
        "name": policy.name,
        "repeat": policy.repeat,
        "levels": [
            {
                "targets": [{t.kind.value: t.name} for t in level.targets],
                "delay_seconds": int(level.delay.total_seconds()),
                "mode": level.mode.value,
            }
            for level in policy.levels
        ],
        "fallback": [{t.kind.value: t.name} for t in policy.fallback],
    }


def _targets(items: Sequence[Mapping[str, str]]) -> tuple[Target, ...]:
    found = []
    for item in items:
        [(kind, name)] = item.items()
        found.append(Target(TargetKind(kind), name))
    return tuple(found)


def from_document(document: Mapping[str, Any]) -> Policy:
    """The policy a ``to_document`` snapshot holds."""
    return Policy(
        name=document["name"],
        repeat=int(document["repeat"]),
        levels=tuple(
            Level(
                _targets(level["targets"]),
                timedelta(seconds=int(level["delay_seconds"])),
                LevelMode(level["mode"]),
            )
            for level in document["levels"]
        ),
        fallback=_targets(document.get("fallback", ())),
    )
