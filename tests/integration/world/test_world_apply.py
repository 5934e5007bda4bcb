"""Applying world files to a real database, on SQLite and on PostgreSQL: plans,
idempotence, archiving, keys, all-or-nothing, dry runs and the export round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from tocsin.store.schema import change_source_services, change_sources, integrations, services
from tocsin.store.schema import teams as teams_table
from tocsin.world import (
    Plan,
    WorldFileError,
    apply_world,
    export_world,
    load_world_text,
    plan_world,
    render_plan,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
NAGIOS_KEY = "0123456789abcdef0123456789abcdef"

WORLD = f"""\
version: 1
teams:
  - name: payments
  - name: platform
services:
  - name: checkout
    team: payments
    tier: 1
    integrations:
      - name: prometheus
        type: pagerduty
      - name: nagios
        type: pagerduty
        key: {NAGIOS_KEY}
  - name: search
    team: platform
    integrations:
      - name: prometheus
        type: alertmanager
change_sources:
  - name: deploys
    services: [checkout, search]
"""
SEARCH = """\
  - name: search
    team: platform
    integrations:
      - name: prometheus
        type: alertmanager
"""
NAGIOS = f"""\
      - name: nagios
        type: pagerduty
        key: {NAGIOS_KEY}
"""


def apply(engine: Engine, text: str, *, dry_run: bool = False, now: datetime = NOW) -> Plan:
    return apply_world(engine, load_world_text(text), now, dry_run=dry_run)


def rows(engine: Engine, table: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table).order_by(table.c.name)))


def keys(engine: Engine) -> dict[tuple[str, str], str]:
    with engine.connect() as conn:
        found = conn.execute(
            select(services.c.name, integrations.c.name, integrations.c.key).join(
                services, services.c.id == integrations.c.service_id
            )
        )
        return {(s, i): k for s, i, k in found}


def everything(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    tables = (teams_table, services, integrations, change_sources)
    snapshot = {t.name: [tuple(r) for r in rows(engine, t)] for t in tables}
    with engine.connect() as conn:
        links = conn.execute(select(change_source_services))
        snapshot["links"] = sorted(tuple(r) for r in links)
    return snapshot


def test_apply_creates_everything_then_has_nothing_to_do(engine: Engine) -> None:
    first = render_plan(apply(engine, WORLD))
    assert first.splitlines()[-1] == "Plan: 8 to create, 0 to update, 0 to delete."
    assert [r.name for r in rows(engine, services)] == ["checkout", "search"]
    assert set(keys(engine)) == {
        ("checkout", "nagios"),
        ("checkout", "prometheus"),
        ("search", "prometheus"),
    }
    [deploys] = rows(engine, change_sources)
    assert len(deploys.key) == 32
    assert render_plan(apply(engine, WORLD)) == "No changes."


def test_created_rows_carry_the_values_and_the_time_passed_in(engine: Engine) -> None:
    apply(engine, WORLD)
    checkout = rows(engine, services)[0]
    payments = rows(engine, teams_table)[0]
    assert (checkout.tier, checkout.incident_grouping, checkout.auto_resolve_incidents) == (
        1,
        "open_incident",
        True,
    )
    assert checkout.team_id == payments.id
    assert (checkout.created_at, checkout.updated_at, checkout.archived_at) == (NOW, NOW, None)


def test_a_changed_field_is_the_only_change_shown(engine: Engine) -> None:
    apply(engine, WORLD)
    plan = apply(engine, WORLD.replace("tier: 1", "tier: 2"), now=NOW + timedelta(hours=1))
    assert render_plan(plan).splitlines() == [
        "~ service checkout: tier 1 → 2",
        "",
        "Plan: 0 to create, 1 to update, 0 to delete.",
    ]
    checkout = rows(engine, services)[0]
    assert (checkout.tier, checkout.created_at, checkout.updated_at) == (
        2,
        NOW,
        NOW + timedelta(hours=1),
    )


def test_a_removed_service_is_archived_and_comes_back_with_its_history(engine: Engine) -> None:
    apply(engine, WORLD)
    search_id = rows(engine, services)[1].id
    without = WORLD.replace(SEARCH, "").replace("[checkout, search]", "[checkout]")
    later = NOW + timedelta(days=1)
    assert render_plan(apply(engine, without, now=later)).splitlines() == [
        "- service search (archived; history kept)",
        "- integration search/prometheus (deleted; its key stops working)",
        '~ change_source deploys: services ["checkout", "search"] → ["checkout"]',
        "",
        "Plan: 0 to create, 1 to update, 2 to delete.",
    ]
    search = rows(engine, services)[1]
    assert (search.id, search.archived_at) == (search_id, later)
    assert ("search", "prometheus") not in keys(engine)
    assert render_plan(apply(engine, without)) == "No changes."

    back = render_plan(apply(engine, WORLD)).splitlines()
    assert back[0] == "~ service search: restored from archive"
    assert "+ integration search/prometheus" in back
    search = rows(engine, services)[1]
    assert (search.id, search.archived_at) == (search_id, None)


def test_a_removed_team_is_archived_and_its_services_must_leave_it_too(engine: Engine) -> None:
    apply(engine, WORLD)
    with pytest.raises(WorldFileError) as caught:
        apply(engine, WORLD.replace("  - name: platform\n", ""))
    assert str(caught.value) == (
        "world.yaml:15:11: services[1].team: unknown team 'platform' (not in this file's teams)"
    )
    without = WORLD.replace("  - name: platform\n", "").replace("    team: platform\n", "")
    plan = render_plan(apply(engine, without))
    assert "- team platform (archived; history kept)" in plan
    assert '~ service search: team "platform" → (none)' in plan
    assert rows(engine, teams_table)[1].archived_at == NOW


def test_keys_are_generated_once_then_kept(engine: Engine) -> None:
    plan = render_plan(apply(engine, WORLD))
    assert "    key: (generated)" in plan
    assert NAGIOS_KEY not in plan
    before = keys(engine)
    assert before["checkout", "nagios"] == NAGIOS_KEY
    assert len(before["checkout", "prometheus"]) == 32
    [deploys] = rows(engine, change_sources)
    apply(engine, WORLD)
    assert keys(engine) == before
    assert rows(engine, change_sources)[0].key == deploys.key


def test_a_key_given_in_the_file_replaces_the_current_one(engine: Engine) -> None:
    apply(engine, WORLD)
    new_key = "fedcba9876543210fedcba9876543210"
    plan = apply(engine, WORLD.replace(NAGIOS_KEY, new_key))
    assert render_plan(plan).splitlines()[0] == "~ integration checkout/nagios: key (changed)"
    assert keys(engine)["checkout", "nagios"] == new_key


def test_a_key_can_move_to_another_integration_in_one_apply(engine: Engine) -> None:
    apply(engine, WORLD)
    moved = WORLD.replace(NAGIOS, "").replace(
        "        type: alertmanager\n",
        "        type: alertmanager\n" + NAGIOS.replace("nagios", "zabbix"),
    )
    plan = render_plan(apply(engine, moved))
    assert "- integration checkout/nagios (deleted; its key stops working)" in plan
    assert "+ integration search/zabbix" in plan
    assert keys(engine)["search", "zabbix"] == NAGIOS_KEY


def test_two_integrations_can_swap_keys(engine: Engine) -> None:
    other = "fedcba9876543210fedcba9876543210"
    world = WORLD.replace(
        "      - name: prometheus\n        type: pagerduty\n",
        f"      - name: prometheus\n        type: pagerduty\n        key: {other}\n",
    )
    apply(engine, world)
    swapped = world.replace(NAGIOS_KEY, "SWAP").replace(other, NAGIOS_KEY).replace("SWAP", other)
    assert apply(engine, swapped).count("update") == 2
    assert keys(engine)["checkout", "nagios"] == other
    assert keys(engine)["checkout", "prometheus"] == NAGIOS_KEY


def test_an_invalid_file_applies_nothing(engine: Engine) -> None:
    apply(engine, WORLD)
    before = everything(engine)
    with pytest.raises(WorldFileError):
        apply(engine, WORLD.replace("tier: 1", "tier: 9"))
    # Valid on its own, wrong against the database: caught before anything is written.
    broken = WORLD.replace("teams:\n  - name: payments\n  - name: platform\n", "").replace(
        "team: payments", "team: billing"
    )
    with pytest.raises(WorldFileError) as caught:
        apply(engine, broken.replace("tier: 1", "tier: 4"))
    assert str(caught.value) == (
        "world.yaml:4:11: services[0].team: unknown team 'billing' (not in the database)"
    )
    assert everything(engine) == before


def test_a_dry_run_shows_the_plan_and_writes_nothing(engine: Engine) -> None:
    plan = apply(engine, WORLD, dry_run=True)
    assert plan.count("create") == 8
    assert apply(engine, WORLD, dry_run=True).as_dict() == plan.as_dict()
    assert everything(engine) == {
        "teams": [],
        "services": [],
        "integrations": [],
        "change_sources": [],
        "links": [],
    }


def test_a_section_left_out_leaves_its_objects_alone(engine: Engine) -> None:
    apply(engine, WORLD)
    only_services = """\
version: 1
services:
  - name: checkout
    team: payments
    tier: 2
    integrations:
      - {name: prometheus, type: pagerduty}
      - {name: nagios, type: pagerduty}
  - name: search
    team: platform
    integrations:
      - {name: prometheus, type: alertmanager}
"""
    plan = apply(engine, only_services)
    assert render_plan(plan).splitlines()[0] == "~ service checkout: tier 1 → 2"
    assert plan.count("update") == plan.count("create") + 1 == 1
    assert [t.archived_at for t in rows(engine, teams_table)] == [None, None]
    assert len(rows(engine, change_sources)) == 1


def test_a_file_cannot_delete_what_an_unmanaged_object_still_uses(engine: Engine) -> None:
    apply(engine, WORLD)
    with pytest.raises(WorldFileError) as caught:
        apply(engine, "version: 1\nservices: []\n")
    assert str(caught.value) == (
        "world.yaml:2:1: services: service 'checkout' is still used by change_source "
        "'deploys', which this file does not manage\n"
        "world.yaml:2:1: services: service 'search' is still used by change_source "
        "'deploys', which this file does not manage"
    )


def test_a_key_already_held_by_an_unmanaged_object_is_refused(engine: Engine) -> None:
    apply(engine, WORLD)
    text = f"version: 1\nchange_sources:\n  - name: deploys\n    key: {NAGIOS_KEY}\n"
    with pytest.raises(WorldFileError) as caught:
        apply(engine, text)
    assert str(caught.value) == (
        "world.yaml:4:10: change_sources[0].key: duplicate routing key: "
        "already used by integration 'checkout/nagios' in the database"
    )


def test_export_then_apply_plans_no_changes(engine: Engine) -> None:
    apply(engine, WORLD)
    apply(engine, WORLD.replace(SEARCH, "").replace("[checkout, search]", "[checkout]"))
    with engine.connect() as conn:
        exported = export_world(conn)
        assert export_world(conn) == exported
        assert render_plan(plan_world(conn, load_world_text(exported))) == "No changes."
    assert NAGIOS_KEY in exported
    assert "search" not in exported  # archived objects are not exported
    assert "tier: 3" not in exported  # defaults are left out


def test_an_export_applied_to_an_empty_database_recreates_the_same_world(
    engine: Engine,
) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        exported = export_world(conn)
    apply(engine, "version: 1\nteams: []\nservices: []\nchange_sources: []\n")
    assert keys(engine) == {}
    apply(engine, exported)
    with engine.connect() as conn:
        assert export_world(conn) == exported


def test_export_round_trips_values_that_need_quoting_in_yaml(engine: Engine) -> None:
    tricky = """\
version: 1
teams:
  - name: "ops:on-call"
    description: "line one\\nline two: with \\"quotes\\", #hash and ünïcödé"
services:
  - name: "123"
    team: "ops:on-call"
    links:
      - {title: "Logs: errors, warnings", url: "https://logs.example.com/?q=a:b&c=[d]"}
      - {title: "yes", url: "https://example.com/#x"}
    integrations:
      - {name: "null", type: pagerduty, key: "0000000000000000000000000000e001"}
change_sources:
  - {name: "true", services: ["123"], description: "  spaced  "}
"""
    apply(engine, tricky)
    with engine.connect() as conn:
        exported = export_world(conn)
        assert render_plan(plan_world(conn, load_world_text(exported))) == "No changes."


def test_the_demo_world_applies_with_its_fixed_keys(engine: Engine) -> None:
    demo = (Path(__file__).resolve().parents[3] / "examples" / "demo.yaml").read_text()
    plan = apply(engine, demo)
    assert plan.count("create") > 0
    assert plan.count("update") == plan.count("delete") == 0  # a fresh database: only creates
    assert (
        keys(engine).items()
        >= {
            ("checkout", "prometheus"): "de000000000000000000000000000001",
            ("payments-api", "datadog"): "de000000000000000000000000000002",
            ("search", "prometheus"): "de000000000000000000000000000003",
        }.items()
    )
    assert rows(engine, change_sources)[0].key == "de0000000000000000000000000000d1"
    assert render_plan(apply(engine, demo)) == "No changes."
