"""Services: ``services:`` in the world file, the ``services`` table. Deleting archives.

This module also defines how integrations are written (nested under their service);
``integrations.py`` compares and writes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from sqlalchemy import Connection, select

from tocsin.core.durations import format_duration, parse_duration
from tocsin.core.grouping import GroupingMode
from tocsin.ingest.generic import GenericMapping
from tocsin.ingest.registry import INTEGRATION_TYPES
from tocsin.inputs import check_duration
from tocsin.schedules.definition import RestrictionsSpec, TimeZone
from tocsin.store.schema import escalation_policies, services, teams
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids, Record
from tocsin.world.spec import (
    Link,
    Name,
    NamedSpec,
    OriginName,
    RoutingKey,
    Spec,
    at_least,
    between,
    one_of,
)


class IntegrationSpec(NamedSpec):
    """An integration, as written under its service's ``integrations:``."""

    name: OriginName
    type: Annotated[str, AfterValidator(one_of(INTEGRATION_TYPES))]
    key: RoutingKey | None = None
    rate_limit_per_minute: Annotated[int, AfterValidator(at_least(1))] | None = None
    mapping: GenericMapping | None = None

    @model_validator(mode="after")
    def _mapping_for_generic(self) -> IntegrationSpec:
        if (self.type == "generic") != (self.mapping is not None):
            raise ValueError("a generic integration needs a mapping; other types take none")
        return self


def canonical_duration(value: str) -> str:
    """``90s`` → ``1m30s``: one spelling per duration, so plans only show real changes."""
    length = check_duration(parse_duration(value))
    if length.total_seconds() <= 0:
        raise ValueError("must be longer than zero")
    return format_duration(length)


class FlapSpec(Spec):
    """Hold alerts whose key opens or resolves more than ``changes`` times ``within``."""

    changes: Annotated[int, AfterValidator(at_least(1))]
    within: Annotated[str, AfterValidator(canonical_duration)]


class SupportHoursSpec(RestrictionsSpec):
    """When low-urgency incidents may page: restriction windows, as schedules write them,
    in a time zone that must be named (a service has no zone of its own)."""

    time_zone: TimeZone

    @model_serializer(mode="wrap")
    def _as_written(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Without the unset parts of each window, as a person writes it (and exports)."""
        return _without_none(handler(self))


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


Severity = Literal["critical", "error", "warning", "info"]  # escalation.urgency.SEVERITIES


class ServiceSpec(NamedSpec):
    """A service, as written under ``services:``."""

    description: str = ""
    team: Name | None = None
    escalation_policy: Name | None = None
    tier: Annotated[int, AfterValidator(between(1, 4))] = 3
    links: list[Link] = Field(default_factory=list)
    incident_grouping: Annotated[str, AfterValidator(one_of([m.value for m in GroupingMode]))] = (
        GroupingMode.OPEN_INCIDENT.value
    )
    auto_resolve_incidents: bool = True
    pause_new_alerts: Annotated[str, AfterValidator(canonical_duration)] | None = None
    auto_resolve_after: Annotated[str, AfterValidator(canonical_duration)] | None = None
    flap_detection: FlapSpec | None = None
    grouping_window: Annotated[str, AfterValidator(canonical_duration)] | None = None
    grouping_labels: list[Name] = Field(default_factory=list)
    urgency: dict[Severity, Literal["high", "low"]] = Field(default_factory=dict)
    support_hours: SupportHoursSpec | None = None
    ack_timeout: Annotated[str, AfterValidator(canonical_duration)] | None = None
    integrations: list[IntegrationSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _grouping_complete(self) -> ServiceSpec:
        if self.incident_grouping == GroupingMode.TIME_WINDOW.value and not self.grouping_window:
            raise ValueError("incident_grouping: time_window needs grouping_window, e.g. 10m")
        if self.incident_grouping == GroupingMode.LABELS.value and not self.grouping_labels:
            raise ValueError("incident_grouping: labels needs grouping_labels, e.g. [alertname]")
        return self


class Services(TableKind):
    """Services receive alerts; archived (not deleted) so their history stays readable."""

    name = "service"
    section = "services"
    spec = ServiceSpec
    table = services
    fields = (
        FieldSpec("description"),
        FieldSpec("team", refers_to="team"),
        FieldSpec("escalation_policy", refers_to="escalation_policy"),
        FieldSpec("tier"),
        FieldSpec("links"),
        FieldSpec("incident_grouping"),
        FieldSpec("auto_resolve_incidents"),
        FieldSpec("pause_new_alerts"),
        FieldSpec("auto_resolve_after"),
        FieldSpec("flap_detection"),
        FieldSpec("grouping_window"),
        FieldSpec("grouping_labels"),
        FieldSpec("urgency"),
        FieldSpec("support_hours"),
        FieldSpec("ack_timeout"),
    )
    soft_delete = True

    def current(self, conn: Connection) -> list[Record]:
        """Every service, with its team and escalation policy by name."""
        rows = conn.execute(
            select(
                services,
                teams.c.name.label("team"),
                escalation_policies.c.name.label("escalation_policy"),
            )
            .outerjoin(teams, teams.c.id == services.c.team_id)
            .outerjoin(
                escalation_policies, escalation_policies.c.id == services.c.escalation_policy_id
            )
            .order_by(services.c.name)
        )
        return [
            Record(
                (row.name,),
                {
                    **{f.name: row._mapping[f.name] for f in self.fields if f.name not in _NOISE},
                    **_noise_fields(row._mapping),
                },
                id=row.id,
                archived=row.archived_at is not None,
            )
            for row in rows
        ]

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """The service's columns, its team and escalation policy as ids."""
        values = change.values
        team, policy = values["team"], values["escalation_policy"]
        return {
            "name": change.key[0],
            "team_id": ids.of("team", (team,)) if team is not None else None,
            "escalation_policy_id": (
                ids.of("escalation_policy", (policy,)) if policy is not None else None
            ),
            **{
                f.name: values[f.name]
                for f in self.fields
                if f.name not in ("team", "escalation_policy", *_NOISE)
            },
            **_noise_columns(values),
        }


# Fields stored as other columns (durations as seconds).
_NOISE = (
    "pause_new_alerts",
    "auto_resolve_after",
    "flap_detection",
    "grouping_window",
    "ack_timeout",
)


def _seconds(value: str | None) -> int | None:
    return int(parse_duration(value).total_seconds()) if value else None


def _text(seconds: int | None) -> str | None:
    return format_duration(timedelta(seconds=seconds)) if seconds else None


def _noise_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The noise rules as written in the file → the services table's columns."""
    flap = values.get("flap_detection") or {}
    return {
        "pause_new_alerts_seconds": _seconds(values.get("pause_new_alerts")),
        "auto_resolve_after_seconds": _seconds(values.get("auto_resolve_after")),
        "flap_changes": flap.get("changes"),
        "flap_window_seconds": _seconds(flap.get("within")),
        "grouping_window_seconds": _seconds(values.get("grouping_window")),
        "ack_timeout_seconds": _seconds(values.get("ack_timeout")),
    }


def _noise_fields(row: Mapping[Any, Any]) -> dict[str, Any]:
    """The services table's noise columns → the fields as the file writes them."""
    flap = None
    if row["flap_changes"]:
        flap = {"changes": row["flap_changes"], "within": _text(row["flap_window_seconds"])}
    return {
        "pause_new_alerts": _text(row["pause_new_alerts_seconds"]),
        "auto_resolve_after": _text(row["auto_resolve_after_seconds"]),
        "flap_detection": flap,
        "grouping_window": _text(row["grouping_window_seconds"]),
        "ack_timeout": _text(row["ack_timeout_seconds"]),
    }
