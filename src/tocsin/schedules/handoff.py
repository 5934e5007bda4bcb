"""The on-call handoff report: what the incoming person needs to know, as plain data.

The storage layer loads open incidents, recent changes, the last shift's alerts and the
ongoing issues, and adapts them to the small summaries defined here. This module only
chooses, orders and words them; ``render_text`` turns a report into the plain text that
goes out by email or chat.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tocsin.core.wallclock import as_zone, require_aware

CHANGE_LOOKBACK = timedelta(hours=24)


@dataclass(frozen=True, slots=True, kw_only=True)
class IncidentSummary:
    """An open incident on one of the team's services.

    ``severity`` sorts as text, most severe first ("SEV1" before "SEV2", "P1" before "P2").
    """

    id: str
    title: str
    severity: str
    status: str
    service: str
    opened_at: datetime
    commander: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeSummary:
    """A change record (deploy, config change, migration) on one of the team's services."""

    id: str
    title: str
    service: str
    at: datetime
    author: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertSummary:
    """An alert (by dedup key) and how often it fired during the last shift."""

    key: str
    title: str
    service: str
    count: int
    last_seen: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OngoingIssue:
    """Something the outgoing person wants to pass on that is not an incident."""

    title: str
    detail: str = ""
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One line of a report section, with an optional second line of detail."""

    text: str
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ReportSection:
    """A titled list of items; ``empty_text`` is shown when there are none."""

    title: str
    items: tuple[ReportItem, ...]
    empty_text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandoffReport:
    """Everything a handoff message says, ready to render."""

    title: str
    team: str
    time_zone: str
    generated_at: datetime
    shift_start: datetime
    shift_end: datetime
    outgoing: str | None
    incoming: str | None
    sections: tuple[ReportSection, ...]
    noisiest_alerts: tuple[AlertSummary, ...]


def build_handoff_report(
    *,
    team: str,
    time_zone: str,
    shift_start: datetime,
    shift_end: datetime,
    now: datetime,
    outgoing: str | None,
    incoming: str | None,
    incidents: Iterable[IncidentSummary] = (),
    changes: Iterable[ChangeSummary] = (),
    alerts: Iterable[AlertSummary] = (),
    ongoing: Iterable[OngoingIssue] = (),
    top_n: int = 5,
) -> HandoffReport:
    """Assemble the handoff report for the shift [shift_start, shift_end) of ``team``.

    Incidents are listed most severe and oldest first; changes newest first, keeping only
    those from the 24 hours before ``now``; alerts with the same key are added together
    and the ``top_n`` noisiest are listed. Times are shown in ``time_zone``.
    """
    for name, value in (("shift_start", shift_start), ("shift_end", shift_end), ("now", now)):
        require_aware(name, value)
    zone = as_zone(time_zone)
    incident_list = sorted(incidents, key=lambda i: (i.severity, i.opened_at, i.id))
    recent = sorted(
        (c for c in changes if now - CHANGE_LOOKBACK <= c.at <= now),
        key=lambda c: (c.at, c.id),
        reverse=True,
    )
    combined = _combine_alerts(alerts)
    noisiest = tuple(combined[:top_n])
    fired = sum(a.count for a in combined)

    def clock(value: datetime) -> str:
        return value.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")

    sections = (
        ReportSection(
            f"Open incidents ({len(incident_list)})",
            tuple(
                ReportItem(
                    f"[{i.severity}] {i.id} {i.title} ({i.status}) - {i.service}, "
                    f"open for {_duration(now - i.opened_at)}",
                    f"commander: {i.commander}" if i.commander else "",
                )
                for i in incident_list
            ),
            "No open incidents.",
        ),
        ReportSection(
            "Ongoing issues",
            tuple(
                ReportItem(
                    issue.title + (f" (since {clock(issue.since)})" if issue.since else ""),
                    issue.detail,
                )
                for issue in ongoing
            ),
            "Nothing handed over.",
        ),
        ReportSection(
            f"Changes in the last 24 hours ({len(recent)})",
            tuple(
                ReportItem(
                    f"{clock(c.at)} {c.service}: {c.title}"
                    + (f" ({c.author})" if c.author else ""),
                    c.id,
                )
                for c in recent
            ),
            "No changes.",
        ),
        ReportSection(
            f"Alerts this shift ({fired} from {len(combined)} sources)",
            tuple(ReportItem(f"{a.count} x {a.title} - {a.service}", a.key) for a in noisiest),
            "No alerts. A quiet shift.",
        ),
    )
    who = f"{outgoing or 'nobody'} -> {incoming or 'nobody'}"
    return HandoffReport(
        title=f"On-call handoff for {team}: {who}",
        team=team,
        time_zone=time_zone,
        generated_at=now,
        shift_start=shift_start,
        shift_end=shift_end,
        outgoing=outgoing,
        incoming=incoming,
        sections=sections,
        noisiest_alerts=noisiest,
    )


def render_text(report: HandoffReport) -> str:
    """The report as plain text: a title, the shift's times, then each section."""
    zone = as_zone(report.time_zone)

    def clock(value: datetime) -> str:
        return value.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")

    lines = [
        report.title,
        f"Shift: {clock(report.shift_start)} - {clock(report.shift_end)}",
    ]
    for section in report.sections:
        lines += ["", section.title]
        if not section.items:
            lines.append(f"  {section.empty_text}")
        for item in section.items:
            lines.append(f"  - {item.text}")
            if item.detail:
                lines.append(f"      {item.detail}")
    return "\n".join(lines) + "\n"


def _combine_alerts(alerts: Iterable[AlertSummary]) -> list[AlertSummary]:
    """Add up alerts sharing a key; noisiest first, ties by key for a stable order."""
    by_key: dict[str, AlertSummary] = {}
    for alert in alerts:
        seen = by_key.get(alert.key)
        if seen is None:
            by_key[alert.key] = alert
            continue
        last_seen = max(
            (t for t in (seen.last_seen, alert.last_seen) if t is not None), default=None
        )
        by_key[alert.key] = AlertSummary(
            key=seen.key,
            title=seen.title,
            service=seen.service,
            count=seen.count + alert.count,
            last_seen=last_seen,
        )
    return sorted(by_key.values(), key=lambda a: (-a.count, a.key))


def _duration(span: timedelta) -> str:
    """A short human duration: 45m, 3h 20m, 2d 4h."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m"
