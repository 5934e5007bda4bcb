"""A model of the store for pure dedup tests: what ``IngestStore.apply`` and the writer do
with a plan, over plain dictionaries.

``StoreModel.submit`` plans events the way the writer does: apply the plan, and when it
covered only the first events, plan the rest against what is stored now. Incident status
is re-derived with ``core.incident_status`` exactly as the store does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tocsin.core.dedup import AlertChange, BatchPlan, OpenAlert, Outcome, plan_batch
from tocsin.core.events import AlertEvent, AlertStatus
from tocsin.core.grouping import OpenIncident
from tocsin.core.incident_status import IncidentStatus, status_after_alert_change
from tocsin.core.suppression import Suppression


@dataclass
class StoredAlert:
    """An alert row, reduced to what the comparisons look at."""

    service_id: str
    dedup_key: str
    integration_id: str
    status: AlertStatus
    incident_id: str | None
    occurrences: int
    suppressed_by: str | None
    suppressed_until: datetime | None


@dataclass
class StoredIncident:
    """An incident row."""

    service_id: str
    group_key: str
    status: IncidentStatus
    created_at: datetime


@dataclass
class StoreModel:
    """Alerts, incidents and the event log's outcomes, as the database would hold them."""

    new_id: Callable[[datetime], str]
    suppress: Callable[[AlertEvent], Suppression | None] = lambda _event: None
    alerts: dict[str, StoredAlert] = field(default_factory=dict)
    incidents: dict[str, StoredIncident] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)

    def submit(self, events: Sequence[AlertEvent]) -> None:
        """Store ``events`` in one batch, as the writer does (in parts when the plan says)."""
        remaining = list(events)
        while remaining:
            plan = plan_batch(
                remaining, self._open_alerts(), self._open_incidents(), self.new_id, self.suppress
            )
            assert plan.events, "a plan always covers at least one event"
            self._apply(plan)
            remaining = remaining[len(plan.events) :]

    def _open_alerts(self) -> dict[tuple[str, str], OpenAlert]:
        return {
            (a.service_id, a.dedup_key): OpenAlert(
                aid,
                a.service_id,
                a.integration_id,
                a.dedup_key,
                a.status,
                a.incident_id,
                a.suppressed_by,
                a.suppressed_until,
            )
            for aid, a in self.alerts.items()
            if a.status is not AlertStatus.RESOLVED
        }

    def _open_incidents(self) -> dict[tuple[str, str], OpenIncident]:
        newest: dict[tuple[str, str], tuple[datetime, str]] = {}
        for iid, i in self.incidents.items():
            if i.status is IncidentStatus.RESOLVED:
                continue
            key = (i.service_id, i.group_key)
            if key not in newest or (i.created_at, iid) > newest[key]:
                newest[key] = (i.created_at, iid)
        # As the store does for a batch that acknowledges or resolves: count each open
        # incident's triggered alerts (the planner stops only where none may be left).
        triggered = {
            iid: sum(
                1 for a in self.alerts.values()
                if a.incident_id == iid and a.status is AlertStatus.TRIGGERED
            )
            for _, iid in newest.values()
        }  # fmt: skip
        return {key: OpenIncident(iid, at, triggered[iid]) for key, (at, iid) in newest.items()}

    def _apply(self, plan: BatchPlan) -> None:
        for new in plan.incidents:
            self.incidents[new.id] = StoredIncident(
                new.service_id, new.group_key, IncidentStatus.TRIGGERED, new.created_at
            )
        for change in plan.alerts.values():
            self._write_alert(change)
        self.outcomes += [r.outcome for r in plan.events]
        for iid in plan.incidents_to_recheck:
            members = [a for a in self.alerts.values() if a.incident_id == iid]
            incident = self.incidents[iid]
            incident.status = status_after_alert_change(
                incident.status,
                has_triggered_alert=any(a.status is AlertStatus.TRIGGERED for a in members),
                has_open_alert=any(a.status is not AlertStatus.RESOLVED for a in members),
                auto_resolve=True,
            )

    def _write_alert(self, change: AlertChange) -> None:
        stored = self.alerts.get(change.id)
        occurrences = (stored.occurrences if stored else 0) + change.occurrences_added
        self.alerts[change.id] = StoredAlert(
            change.service_id,
            change.dedup_key,
            change.integration_id,
            change.status,
            change.incident_id,
            occurrences,
            change.suppressed_by,
            change.suppressed_until,
        )
