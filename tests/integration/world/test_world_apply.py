"""Applying world files to a real database (SQLite and PostgreSQL): plans, idempotence, export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, select

from tests.support.server import run_cli
from tocsin.store.schema import integrations, services
from tocsin.world import apply_world, export_world, load_world_text, plan_world, render_plan

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

WORLD = """
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
        key: 0123456789abcdef0123456789abcdef
  - name: search
    team: platform
change_sources:
  - name: deploys
    services: [checkout, search]
"""


def apply(engine: Engine, text: str, dry_run: bool = False) -> str:
    return render_plan(apply_world(engine, load_world_text(text), NOW, dry_run=dry_run))


def keys(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {r.name: r.key for r in conn.execute(select(integrations))}


def test_apply_creates_everything_then_has_nothing_to_do(engine: Engine) -> None:
    first = apply(engine, WORLD)
    assert "Plan: 7 to create, 0 to update, 0 to delete." in first
    assert apply(engine, WORLD) == "No changes."


def test_dry_run_writes_nothing(engine: Engine) -> None:
    assert "7 to create" in apply(engine, WORLD, dry_run=True)
    assert "7 to create" in apply(engine, WORLD, dry_run=True)


def test_changed_field_is_the_only_change_shown(engine: Engine) -> None:
    apply(engine, WORLD)
    plan = apply(engine, WORLD.replace("tier: 1", "tier: 2"))
    assert plan.splitlines() == [
        "~ service checkout",
        "    tier: 1 → 2",
        "Plan: 0 to create, 1 to update, 0 to delete.",
    ]


def test_generated_keys_are_kept_and_given_keys_are_used(engine: Engine) -> None:
    apply(engine, WORLD)
    before = keys(engine)
    assert before["nagios"] == "0123456789abcdef0123456789abcdef"
    assert len(before["prometheus"]) == 32
    apply(engine, WORLD)
    assert keys(engine) == before


def test_removed_service_is_archived_and_comes_back(engine: Engine) -> None:
    apply(engine, WORLD)
    without_search = WORLD.replace("  - name: search\n    team: platform\n", "").replace(
        "[checkout, search]", "[checkout]"
    )
    plan = apply(engine, without_search)
    assert "- service search" in plan
    with engine.connect() as conn:
        archived = conn.execute(
            select(services.c.archived_at).where(services.c.name == "search")
        ).scalar()
    assert archived is not None
    assert "+ service search" in apply(engine, WORLD)
    with engine.connect() as conn:
        rows = conn.execute(select(services.c.archived_at).where(services.c.name == "search")).all()
    assert rows == [(None,)]


NAGIOS = (
    "      - name: nagios\n        type: pagerduty\n        key: 0123456789abcdef0123456789abcdef\n"
)


def test_removed_integration_is_deleted_with_its_key(engine: Engine) -> None:
    apply(engine, WORLD)
    plan = apply(engine, WORLD.replace(NAGIOS, ""))
    assert "- integration checkout/nagios" in plan
    assert "nagios" not in keys(engine)


def test_a_key_can_move_to_another_integration_in_one_apply(engine: Engine) -> None:
    apply(engine, WORLD)
    moved = WORLD.replace(NAGIOS, "").replace(
        "  - name: search\n    team: platform\n",
        "  - name: search\n    team: platform\n    integrations:\n"
        + NAGIOS.replace("nagios", "zabbix"),
    )
    plan = apply(engine, moved)
    assert "- integration checkout/nagios" in plan
    assert "+ integration search/zabbix" in plan
    assert keys(engine)["zabbix"] == "0123456789abcdef0123456789abcdef"


def test_export_round_trips_to_an_empty_plan(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        exported = export_world(conn)
        assert not plan_world(conn, load_world_text(exported))
    assert "0123456789abcdef0123456789abcdef" in exported


def test_cli_refuses_an_invalid_file_and_changes_nothing(engine: Engine, tmp_path: Path) -> None:
    apply(engine, WORLD)
    url = engine.url.render_as_string(hide_password=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text(WORLD.replace("tier: 1", "tier: 9"))
    result = run_cli(url, "apply", "-f", str(bad), check=False)
    assert result.returncode == 1
    assert f"{bad}:9:11: services[0].tier: Input should be less than or equal to 4" in result.stderr
    with engine.connect() as conn:
        assert not plan_world(conn, load_world_text(WORLD))
