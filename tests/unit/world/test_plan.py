"""Planning without a database: the shared diff over records, and how plans read.

Records stand for rows; the real kinds (services, integrations) supply the fields.
"""

from __future__ import annotations

from typing import Any

from tocsin.world import Plan, render_plan
from tocsin.world.diff import diff_kind
from tocsin.world.kinds.change_sources import ChangeSources
from tocsin.world.kinds.integrations import Integrations
from tocsin.world.kinds.services import Services
from tocsin.world.plan import Change, FieldChange
from tocsin.world.records import Record

SERVICES = Services()
INTEGRATIONS = Integrations()

CHECKOUT: dict[str, Any] = {
    "description": "Customer checkout API",
    "team": "payments",
    "escalation_policy": None,
    "tier": 1,
    "links": [],
    "incident_grouping": "open_incident",
    "auto_resolve_incidents": True,
    "pause_new_alerts": None,
    "auto_resolve_after": None,
    "flap_detection": None,
    "grouping_window": None,
    "grouping_labels": [],
    "urgency": {},
    "support_hours": None,
    "ack_timeout": None,
}


def service(name: str, *, row: bool = False, archived: bool = False, **values: Any) -> Record:
    return Record(
        (name,), {**CHECKOUT, **values}, id=f"id-{name}" if row else None, archived=archived
    )


def integration(name: str, key: str | None, *, row: bool = False) -> Record:
    values = {"type": "pagerduty", "key": key, "rate_limit_per_minute": None, "mapping": None}
    return Record(("checkout", name), values, id=f"id-{name}" if row else None)


def test_an_object_only_in_the_file_is_created_showing_its_non_default_fields() -> None:
    [change] = diff_kind(SERVICES, [service("checkout", tier=3)], []).changes
    assert change.action == "create"
    assert [f.field for f in change.fields] == ["description", "team"]


def test_a_new_integration_without_a_key_gets_a_generated_one() -> None:
    diff = diff_kind(INTEGRATIONS, [integration("prometheus", None)], [])
    [change] = diff.changes
    key = change.values["key"]
    assert isinstance(key, str)
    assert len(key) == 32
    assert int(key, 16) >= 0
    assert FieldChange("key", None, key, secret=True, generated=True) in change.fields
    assert diff.final[0].values["key"] == key


def test_an_integration_without_a_key_in_the_file_keeps_its_current_key() -> None:
    current = [integration("prometheus", "k" * 32, row=True)]
    diff = diff_kind(INTEGRATIONS, [integration("prometheus", None)], current)
    assert diff.changes == []
    assert diff.final[0].values["key"] == "k" * 32


def test_a_given_key_replaces_the_current_one() -> None:
    current = [integration("prometheus", "k" * 32, row=True)]
    [change] = diff_kind(INTEGRATIONS, [integration("prometheus", "n" * 32)], current).changes
    assert change.fields == (FieldChange("key", "k" * 32, "n" * 32, secret=True),)


def test_only_the_fields_that_differ_are_updated() -> None:
    current = [service("checkout", row=True, tier=2)]
    [change] = diff_kind(SERVICES, [service("checkout", tier=1)], current).changes
    assert (change.action, change.row_id) == ("update", "id-checkout")
    assert change.fields == (FieldChange("tier", 2, 1),)


def test_an_archived_object_named_again_is_restored() -> None:
    current = [service("checkout", row=True, archived=True)]
    [change] = diff_kind(SERVICES, [service("checkout")], current).changes
    assert (change.action, change.restore, change.fields) == ("update", True, ())


def test_live_objects_missing_from_the_file_are_deleted_and_archived_ones_left_alone() -> None:
    current = [service("old", row=True), service("older", row=True, archived=True)]
    [change] = diff_kind(SERVICES, [], current).changes
    assert (change.action, change.key, change.note) == (
        "delete",
        ("old",),
        "archived; history kept",
    )
    [gone] = diff_kind(INTEGRATIONS, [], [integration("old", "k" * 32, row=True)]).changes
    assert gone.note == "deleted; its key stops working"


def test_a_list_compared_as_a_set_ignores_order_and_repeats() -> None:
    def source(*services: str, row: bool = False) -> Record:
        values = {"description": "", "key": "k" * 32, "services": list(services)}
        return Record(("deploys",), values, id="id" if row else None)

    current = [source("a", "b", row=True)]
    assert diff_kind(ChangeSources(), [source("b", "a", "a")], current).changes == []


def test_an_empty_plan_reads_no_changes() -> None:
    assert render_plan(Plan()) == "No changes."
    assert not Plan()


def test_a_plan_reads_like_terraform_and_never_prints_keys() -> None:
    plan = Plan(
        (
            Change(
                "integration",
                "create",
                ("checkout", "prometheus"),
                {"type": "pagerduty", "key": "s3cr3t"},
                (
                    FieldChange("type", None, "pagerduty"),
                    FieldChange("key", None, "s3cr3t", secret=True, generated=True),
                ),
            ),
            Change("service", "update", ("checkout",), fields=(FieldChange("tier", 2, 1),)),
            Change(
                "service",
                "update",
                ("search",),
                fields=(FieldChange("team", None, "platform"), FieldChange("tier", 3, 2)),
                restore=True,
            ),
            Change(
                "change_source",
                "update",
                ("deploys",),
                fields=(FieldChange("key", "old-s3cr3t", "new-s3cr3t", secret=True),),
            ),
            Change(
                "integration", "delete", ("checkout", "old"), note="deleted; its key stops working"
            ),
        )
    )
    assert render_plan(plan).splitlines() == [
        "+ integration checkout/prometheus",
        '    type: "pagerduty"',
        "    key: (generated)",
        "~ service checkout: tier 2 → 1",
        "~ service search:",
        "    restored from archive",
        '    team (none) → "platform"',
        "    tier 3 → 2",
        "~ change_source deploys: key (changed)",
        "- integration checkout/old (deleted; its key stops working)",
        "",
        "Plan: 1 to create, 3 to update, 1 to delete.",
    ]
    assert "s3cr3t" not in str(plan.as_dict())


def test_a_plan_as_data_names_each_object_and_field() -> None:
    plan = Plan(
        (
            Change("service", "update", ("checkout",), fields=(FieldChange("tier", 2, 1),)),
            Change(
                "integration",
                "create",
                ("checkout", "prometheus"),
                fields=(FieldChange("key", None, "s3cr3t", secret=True),),
            ),
            Change("service", "delete", ("old",), note="archived; history kept"),
        )
    )
    assert plan.as_dict() == {
        "changes": [
            {
                "action": "update",
                "kind": "service",
                "name": "checkout",
                "fields": {"tier": {"old": 2, "new": 1}},
            },
            {
                "action": "create",
                "kind": "integration",
                "name": "checkout/prometheus",
                "fields": {"key": {"old": None, "new": "(from file)"}},
            },
            {
                "action": "delete",
                "kind": "service",
                "name": "old",
                "note": "archived; history kept",
            },
        ],
        "summary": {"create": 1, "update": 1, "delete": 1},
    }
