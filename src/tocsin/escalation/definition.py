"""An escalation policy as written in the world file and stored as one JSON document.

``PolicyDefinition`` is both the world file's model of a policy (minus its name and
description) and the shape of the ``escalation_policies.definition`` column, so what was
applied reads back exactly; ``to_policy`` turns it into the pure ``policy.Policy``.
Durations are written as ``5m``, ``1h30m``: the delay before the next level.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from tocsin.core.durations import format_duration, parse_duration
from tocsin.escalation.policy import Level, LevelMode, Policy, Target, TargetKind
from tocsin.inputs import Name, TextModel, check_duration

MIN_DELAY = timedelta(minutes=1)
MAX_LEVELS = 20
MAX_TARGETS = 50
MAX_REPEAT = 10


class Spec(TextModel):
    """Strict: unknown fields are errors, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _delay(value: str) -> str:
    """``90s`` → ``1m30s``; at least a minute, so someone can answer before the next level."""
    length = check_duration(parse_duration(value))
    if length < MIN_DELAY:
        raise ValueError("must be at least 1m: a shorter delay pages the next level first")
    return format_duration(length)


class TargetSpec(Spec):
    """Whom a level pages: ``{user: alice}``, ``{schedule: web-primary}`` or ``{team: sre}``."""

    user: Name | None = None
    schedule: Name | None = None
    team: Name | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> TargetSpec:
        if sum(v is not None for v in (self.user, self.schedule, self.team)) != 1:
            raise ValueError("a target names exactly one of user, schedule or team")
        return self

    def target(self) -> Target:
        for kind in TargetKind:
            name = getattr(self, kind.value)
            if name is not None:
                return Target(kind, name)
        raise AssertionError("validated: one is set")


Targets = Annotated[list[TargetSpec], Field(max_length=MAX_TARGETS)]


class LevelSpec(Spec):
    """One level: its targets, ``all`` or ``round_robin``, and the wait before the next."""

    targets: Annotated[Targets, Field(min_length=1)]
    delay: Annotated[str, AfterValidator(_delay)]
    mode: Literal["all", "round_robin"] = "all"


class PolicyDefinition(Spec):
    """Levels paged in order, the whole policy repeated ``repeat`` more times, and whom to
    page when a level finds nobody on call (``fallback``)."""

    levels: Annotated[list[LevelSpec], Field(min_length=1, max_length=MAX_LEVELS)]
    repeat: Annotated[int, Field(ge=0, le=MAX_REPEAT)] = 0
    fallback: Targets = Field(default_factory=list)

    def names(self, kind: TargetKind) -> list[str]:
        """Every ``kind`` the policy names (levels and fallback), for the reference checks."""
        specs = [t for level in self.levels for t in level.targets] + list(self.fallback)
        found = {getattr(t, kind.value) for t in specs} - {None}
        return sorted(found)

    def to_policy(self, name: str) -> Policy:
        """The pure policy this definition describes."""
        return Policy(
            name=name,
            levels=tuple(
                Level(
                    tuple(t.target() for t in level.targets),
                    parse_duration(level.delay),
                    LevelMode(level.mode),
                )
                for level in self.levels
            ),
            repeat=self.repeat,
            fallback=tuple(t.target() for t in self.fallback),
        )
