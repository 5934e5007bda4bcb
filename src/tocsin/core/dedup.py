"""Deduplication: what a batch of alert events does to the open alerts and incidents.

``plan_batch`` is the whole decision, as a pure function: given the events of one group
commit (in arrival order), the open alerts they refer to and each service's open incident,
it returns the rows to insert and update. The store executes the plan in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import msgspec

from tocsin.core.events import Action, AlertEvent, AlertStatus
from tocsin.core.grouping import GroupingMode, OpenIncident, choose_incident, group_key
from tocsin.core.suppression import Suppression


class Outcome(StrEnum):
    """What one event did; recorded in the alert's event log."""

    CREATED = "created"
    APPENDED = "appended"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REEVALUATED = "reevaluated"
    IGNORED = "ignored"


class OpenAlert(msgspec.Struct, frozen=True, gc=False):
    """The part of a stored open alert the dedup decision needs.

    This and the other per-alert types here are structs, not dataclasses, for the same
    reason as ``AlertEvent``: built in C, never tracked by the cyclic GC.
    """

    id: str
    service_id: str
    integration_id: str
    dedup_key: str
    status: AlertStatus
    incident_id: str | None
    suppressed_by: str | None = None
    suppressed_until: datetime | None = None


def decide(alert: OpenAlert | None, event: AlertEvent) -> Outcome:
    """PagerDuty's semantics for one event against the open alert with its key (if any).

    A trigger opens an alert or appends to the open one. Acknowledge and resolve apply only
    to an open alert opened through the same integration (routing key); otherwise they are
    ignored, and the sender still gets 202, as PagerDuty does.
    """
    if event.action is Action.TRIGGER:
        return Outcome.CREATED if alert is None else Outcome.APPENDED
    if event.action is Action.REEVALUATE:
        return Outcome.IGNORED if alert is None else Outcome.REEVALUATED
    if alert is None or alert.integration_id != event.route.integration_id:
        return Outcome.IGNORED
    if event.action is Action.ACKNOWLEDGE:
        return Outcome.ACKNOWLEDGED
    return Outcome.RESOLVED


class AlertChange(msgspec.Struct, gc=False):
    """The final state of one alert after the batch (new, or an update of a stored one)."""

    id: str
    service_id: str
    integration_id: str
    dedup_key: str
    incident_id: str | None
    status: AlertStatus
    is_new: bool
    created_at: datetime | None = None
    latest: AlertEvent | None = None  # content of the last trigger, if any in this batch
    occurrences_added: int = 0
    last_seen_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    suppressed_by: str | None = None
    suppressed_until: datetime | None = None


class NewIncident(msgspec.Struct, frozen=True, gc=False):
    """An incident opened by an alert in this batch."""

    id: str
    service_id: str
    title: str
    created_at: datetime
    group_key: str = ""


class EventRecord(msgspec.Struct, frozen=True, gc=False):
    """One row of the event log: which event, which alert, what it did."""

    event: AlertEvent
    alert_id: str | None
    outcome: Outcome


@dataclass(slots=True)
class BatchPlan:
    """Everything a batch writes. Updates must run before inserts (see ``plan_batch``)."""

    alerts: dict[str, AlertChange] = field(default_factory=dict)
    incidents: list[NewIncident] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    # Incidents whose alerts were acknowledged or resolved: their status is re-derived.
    incidents_to_recheck: set[str] = field(default_factory=set)
    # At least this many alerts of the incident are triggered, as the plan goes (from
    # ``OpenIncident.triggered_alerts``, plus alerts joining, minus those acknowledged or
    # resolved); an incident absent here was not counted.
    triggered: dict[str, int] = field(default_factory=dict)

    @property
    def new_alerts(self) -> list[AlertChange]:
        """Alerts opened in this batch."""
        return [a for a in self.alerts.values() if a.is_new]

    @property
    def updated_alerts(self) -> list[AlertChange]:
        """Stored alerts this batch changed."""
        return [a for a in self.alerts.values() if not a.is_new]


# The service's own noise rules, as recorded in ``suppressed_by`` (see ``noise_hold``).
NOISE_HOLDS = frozenset({"flapping", "transient_pause"})


def _never(_: AlertEvent) -> Suppression | None:
    return None


def noise_hold(event: AlertEvent, changes: int) -> Suppression | None:
    """The service's own rules for a new alert: flapping first, then the transient pause.

    ``changes`` counts this key's alerts opened or resolved within the flap window,
    this one included.
    """
    route = event.route
    if route.flap_changes and route.flap_window and changes > route.flap_changes:
        return Suppression("flapping", event.dedup_key, event.received_at + route.flap_window)
    if route.pause_new_alerts:
        return Suppression(
            "transient_pause", event.dedup_key, event.received_at + route.pause_new_alerts
        )
    return None


def plan_batch(
    events: Iterable[AlertEvent],
    open_alerts: Mapping[tuple[str, str], OpenAlert],
    open_incidents: Mapping[tuple[str, str], OpenIncident],
    new_id: Callable[[datetime], str],
    suppress: Callable[[AlertEvent], Suppression | None] = _never,
    recent_changes: Mapping[tuple[str, str], int] | None = None,
) -> BatchPlan:
    """Apply ``events`` in order and return the writes that produce the same end state.

    ``open_alerts`` is keyed by (service id, dedup key); ``open_incidents`` maps (service id,
    group key) to the newest open incident; each event's route says how its service groups
    alerts (``core.grouping``).
    An alert resolved and re-triggered inside one batch yields two alerts: the resolved one
    and a new open one. Because a stored open alert may be
    resolved and replaced in the same batch, the store applies updates before inserts, so
    the one-open-alert-per-key index is never violated.

    ``suppress`` says whether a maintenance window or silence holds an alert when its
    trigger arrives: a held alert is stored with the reason and opens no incident. A
    later trigger of a held alert whose hold has ended opens (or joins) its incident.
    The service's noise rules hold new alerts too: a flapping key (more state changes than
    ``route.flap_changes`` within ``route.flap_window``, counting ``recent_changes`` already
    stored) and the transient pause (``route.pause_new_alerts``).

    The plan may cover only the first events (``len(plan.events)`` of them): it stops
    before a paging alert that would join an incident whose alerts it acknowledged or
    resolved, because whether that incident is still open (and acknowledged) is decided
    from the stored alerts once this part is written. The caller applies the plan, then
    plans the rest with what is stored then, so a batch ends as the same events one at a
    time would.
    """
    plan = BatchPlan()
    plan.triggered = {
        i.id: i.triggered_alerts for i in open_incidents.values() if i.triggered_alerts is not None
    }
    current: dict[tuple[str, str], AlertChange | OpenAlert] = dict(open_alerts)
    incident_for_service = dict(open_incidents)
    changes = dict(recent_changes or {})

    for event in events:
        key = (event.route.service_id, event.dedup_key)
        found = current.get(key)
        open_alert = _as_open(found)
        outcome = decide(open_alert, event)
        if outcome is Outcome.IGNORED:
            plan.events.append(EventRecord(event, None, outcome))
            continue
        if outcome is Outcome.CREATED:
            held = suppress(event) or noise_hold(event, changes.get(key, 0) + 1)
            if held is None and _joins_rechecked(event, plan, incident_for_service):
                break
            changes[key] = changes.get(key, 0) + 1
            change = _open_new_alert(event, plan, incident_for_service, new_id, held)
            current[key] = change
        else:
            assert open_alert is not None
            hold_after = None
            if outcome in (Outcome.APPENDED, Outcome.REEVALUATED) and open_alert.suppressed_by:
                hold_after = _hold_after(open_alert, event, suppress)
                released = hold_after == (None, None)
                if released and _joins_rechecked(event, plan, incident_for_service):
                    break
            change = _change_for(found, open_alert, plan)
            if outcome is not Outcome.REEVALUATED:
                _apply(change, event, outcome, plan)
            if hold_after is not None:
                _set_hold(change, event, hold_after, plan, incident_for_service, new_id)
            if change.status is AlertStatus.RESOLVED:
                del current[key]
                changes[key] = changes.get(key, 0) + 1
            else:
                current[key] = change
        plan.events.append(EventRecord(event, change.id, outcome))
    return plan


def _joins_rechecked(
    event: AlertEvent, plan: BatchPlan, incident_for_service: dict[tuple[str, str], OpenIncident]
) -> bool:
    """Whether a paging alert would join an incident this plan acknowledged or resolved
    alerts of, and which may have no triggered alert left by then (so one event at a time
    would have found it acknowledged, or resolved and closed to joins): its status must be
    decided (and written) first, so the plan stops here and the store plans the rest of
    the batch after applying this part. An incident with a triggered alert left stays
    triggered whatever this plan acknowledged, and the alert may join it at once."""
    route = event.route
    if route.grouping is GroupingMode.PER_ALERT or not plan.incidents_to_recheck:
        return False
    key = (route.service_id, group_key(route.grouping, route.grouping_labels, event.labels))
    target = incident_for_service.get(key)
    if target is None or target.id not in plan.incidents_to_recheck:
        return False
    left = plan.triggered.get(target.id)
    return left is None or left <= 0


def _as_open(found: AlertChange | OpenAlert | None) -> OpenAlert | None:
    if found is None or isinstance(found, OpenAlert):
        return found
    return OpenAlert(
        found.id,
        found.service_id,
        found.integration_id,
        found.dedup_key,
        found.status,
        found.incident_id,
        found.suppressed_by,
        found.suppressed_until,
    )


def _change_for(
    found: AlertChange | OpenAlert | None, alert: OpenAlert, plan: BatchPlan
) -> AlertChange:
    if isinstance(found, AlertChange):
        return found
    change = AlertChange(
        id=alert.id,
        service_id=alert.service_id,
        integration_id=alert.integration_id,
        dedup_key=alert.dedup_key,
        incident_id=alert.incident_id,
        status=alert.status,
        is_new=False,
        suppressed_by=alert.suppressed_by,
        suppressed_until=alert.suppressed_until,
    )
    plan.alerts[alert.id] = change
    return change


def _open_new_alert(
    event: AlertEvent,
    plan: BatchPlan,
    incident_for_service: dict[tuple[str, str], OpenIncident],
    new_id: Callable[[datetime], str],
    held: Suppression | None,
) -> AlertChange:
    incident_id = None if held else _incident_for(event, plan, incident_for_service, new_id)
    change = AlertChange(
        id=new_id(event.received_at),
        service_id=event.route.service_id,
        integration_id=event.route.integration_id,
        dedup_key=event.dedup_key,
        incident_id=incident_id,
        status=AlertStatus.TRIGGERED,
        is_new=True,
        created_at=event.received_at,
        latest=event,
        occurrences_added=1,
        last_seen_at=event.received_at,
        suppressed_by=held.reason if held else None,
        suppressed_until=held.until if held else None,
    )
    plan.alerts[change.id] = change
    return change


def _incident_for(
    event: AlertEvent,
    plan: BatchPlan,
    incident_for_service: dict[tuple[str, str], OpenIncident],
    new_id: Callable[[datetime], str],
) -> str:
    """The incident a paging alert joins, opening one if the grouping rule says so."""
    route = event.route
    key = (route.service_id, group_key(route.grouping, route.grouping_labels, event.labels))
    incident_id = choose_incident(
        route.grouping, incident_for_service.get(key), event.received_at, route.grouping_window
    )
    if incident_id is None:
        incident_id = new_id(event.received_at)
        plan.incidents.append(
            NewIncident(incident_id, route.service_id, event.summary, event.received_at, key[1])
        )
        incident_for_service[key] = OpenIncident(incident_id, event.received_at)
        plan.triggered[incident_id] = 0
    if incident_id in plan.triggered:
        plan.triggered[incident_id] += 1  # the alert joining it pages: it is triggered
    return incident_id


def _hold_after(
    alert: OpenAlert, event: AlertEvent, suppress: Callable[[AlertEvent], Suppression | None]
) -> tuple[str | None, datetime | None]:
    """A held alert that triggers again (or whose hold ended): the hold it has now, as
    (``suppressed_by``, ``suppressed_until``); (None, None) when it pages now.

    A window or silence in force holds it. A noise hold (flapping, transient pause) is not
    re-decided by a repeat: senders such as Alertmanager and Grafana resend every interval,
    and the first resend must not end the pause; the hold lasts until its end.
    """
    assert alert.suppressed_by is not None
    until = alert.suppressed_until
    noise = alert.suppressed_by.partition(":")[0] in NOISE_HOLDS
    noise_until = until if noise and until is not None and event.received_at < until else None
    held = suppress(event)
    if held is not None and (noise_until is None or held.until > noise_until):
        return held.reason, held.until
    if noise_until is not None:
        return alert.suppressed_by, noise_until
    return None, None


def _set_hold(
    change: AlertChange,
    event: AlertEvent,
    hold: tuple[str | None, datetime | None],
    plan: BatchPlan,
    incident_for_service: dict[tuple[str, str], OpenIncident],
    new_id: Callable[[datetime], str],
) -> None:
    """Record the alert's hold; a released alert opens or joins its incident now."""
    change.suppressed_by, change.suppressed_until = hold
    if hold == (None, None):
        change.incident_id = _incident_for(event, plan, incident_for_service, new_id)


def _apply(change: AlertChange, event: AlertEvent, outcome: Outcome, plan: BatchPlan) -> None:
    if outcome is Outcome.APPENDED:
        change.latest = event
        change.occurrences_added += 1
        change.last_seen_at = event.received_at
        return
    was_triggered = change.status is AlertStatus.TRIGGERED
    if outcome is Outcome.ACKNOWLEDGED:
        if was_triggered:
            change.status = AlertStatus.ACKNOWLEDGED
            change.acknowledged_at = event.received_at
    else:
        change.status = AlertStatus.RESOLVED
        change.resolved_at = event.received_at
    if change.incident_id is not None:
        plan.incidents_to_recheck.add(change.incident_id)
        if was_triggered and change.incident_id in plan.triggered:
            plan.triggered[change.incident_id] -= 1
