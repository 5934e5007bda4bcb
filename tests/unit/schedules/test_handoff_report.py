"""The handoff report tells the incoming person what is going on, in a fixed order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.unit.schedules.factories import utc
from tocsin.schedules import (
    AlertSummary,
    ChangeSummary,
    HandoffReport,
    IncidentSummary,
    OngoingIssue,
    build_handoff_report,
    render_text,
)

NOW = utc(2024, 3, 11, 13)  # Monday 09:00 EDT


def _report(**overrides: Any) -> HandoffReport:
    fields: dict[str, Any] = {
        "team": "payments",
        "time_zone": "America/New_York",
        "shift_start": utc(2024, 3, 8, 14),
        "shift_end": NOW,
        "now": NOW,
        "outgoing": "alice",
        "incoming": "bob",
    }
    return build_handoff_report(**(fields | overrides))


INCIDENTS = [
    IncidentSummary(
        id="INC-7",
        title="Slow refunds",
        severity="SEV3",
        status="monitoring",
        service="refunds",
        opened_at=NOW - timedelta(days=2, hours=4),
    ),
    IncidentSummary(
        id="INC-9",
        title="Checkout errors",
        severity="SEV1",
        status="investigating",
        service="checkout",
        opened_at=NOW - timedelta(hours=3, minutes=20),
        commander="carol",
    ),
]
CHANGES = [
    ChangeSummary(id="CHG-1", title="Deploy v41", service="checkout", at=NOW - timedelta(hours=30)),
    ChangeSummary(
        id="CHG-2",
        title="Deploy v42",
        service="checkout",
        at=NOW - timedelta(hours=5),
        author="dave",
    ),
    ChangeSummary(
        id="CHG-3", title="Raise pool size", service="ledger", at=NOW - timedelta(hours=1)
    ),
]
ALERTS = [
    AlertSummary(key="disk-full/db1", title="Disk almost full", service="ledger", count=3),
    AlertSummary(key="5xx/checkout", title="Checkout 5xx rate", service="checkout", count=40),
    AlertSummary(key="latency/refunds", title="Refund latency", service="refunds", count=7),
    AlertSummary(key="disk-full/db1", title="Disk almost full", service="ledger", count=9),
]


def test_incidents_are_listed_most_severe_first():
    report = _report(incidents=INCIDENTS)
    assert [item.text.split()[1] for item in report.sections[0].items] == ["INC-9", "INC-7"]


def test_only_changes_from_the_last_24_hours_are_listed_newest_first():
    report = _report(changes=CHANGES)
    assert [item.detail for item in report.sections[2].items] == ["CHG-3", "CHG-2"]


def test_alerts_with_the_same_key_add_up_and_the_noisiest_come_first():
    report = _report(alerts=ALERTS, top_n=2)
    assert [(a.key, a.count) for a in report.noisiest_alerts] == [
        ("5xx/checkout", 40),
        ("disk-full/db1", 12),
    ]
    assert report.sections[3].title == "Alerts this shift (59 from 3 sources)"


def test_the_rendered_report_reads_top_to_bottom():
    report = _report(
        incidents=INCIDENTS,
        changes=CHANGES,
        alerts=ALERTS,
        ongoing=[
            OngoingIssue(
                title="Ledger replica lagging",
                detail="ticket OPS-12",
                since=NOW - timedelta(days=1),
            )
        ],
        top_n=2,
    )
    assert render_text(report) == (
        "On-call handoff for payments: alice -> bob\n"
        "Shift: Fri 2024-03-08 09:00 EST - Mon 2024-03-11 09:00 EDT\n"
        "\n"
        "Open incidents (2)\n"
        "  - [SEV1] INC-9 Checkout errors (investigating) - checkout, open for 3h 20m\n"
        "      commander: carol\n"
        "  - [SEV3] INC-7 Slow refunds (monitoring) - refunds, open for 2d 4h\n"
        "\n"
        "Ongoing issues\n"
        "  - Ledger replica lagging (since Sun 2024-03-10 09:00 EDT)\n"
        "      ticket OPS-12\n"
        "\n"
        "Changes in the last 24 hours (2)\n"
        "  - Mon 2024-03-11 08:00 EDT ledger: Raise pool size\n"
        "      CHG-3\n"
        "  - Mon 2024-03-11 04:00 EDT checkout: Deploy v42 (dave)\n"
        "      CHG-2\n"
        "\n"
        "Alerts this shift (59 from 3 sources)\n"
        "  - 40 x Checkout 5xx rate - checkout\n"
        "      5xx/checkout\n"
        "  - 12 x Disk almost full - ledger\n"
        "      disk-full/db1\n"
    )


def test_a_quiet_shift_says_so_in_every_section():
    text = render_text(_report(outgoing=None))
    assert "On-call handoff for payments: nobody -> bob" in text
    for line in (
        "No open incidents.",
        "Nothing handed over.",
        "No changes.",
        "No alerts. A quiet shift.",
    ):
        assert f"  {line}\n" in text
