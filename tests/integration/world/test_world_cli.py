"""``tocsin apply`` and ``tocsin export`` as a user runs them (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.support.server import run_cli
from tocsin.world import load_world_text, plan_world

WORLD = """\
version: 1
services:
  - name: checkout
    tier: 1
    integrations:
      - {name: prometheus, type: pagerduty, key: 0123456789abcdef0123456789abcdef}
"""


def test_apply_dry_run_apply_and_export_from_the_command_line(
    engine: Engine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    path = tmp_path / "world.yaml"
    path.write_text(WORLD)

    dry = run_cli(url, "apply", "-f", str(path), "--dry-run").stdout
    assert "+ service checkout" in dry
    assert "(dry run: nothing was changed)" in dry
    assert "+ service checkout" in run_cli(url, "apply", "-f", str(path)).stdout
    assert run_cli(url, "apply", "-f", str(path)).stdout.strip() == "No changes."

    exported = run_cli(url, "export").stdout
    with engine.connect() as conn:
        assert not plan_world(conn, load_world_text(exported))


def test_the_command_line_refuses_an_invalid_file_and_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    url = engine.url.render_as_string(hide_password=False)
    bad = tmp_path / "bad.yaml"
    bad.write_text(WORLD.replace("tier: 1", "tier: 9").replace("pagerduty", "pagerdoody"))
    result = run_cli(url, "apply", "-f", str(bad), check=False)
    assert result.returncode == 1
    assert f"{bad}:4:11: services[0].tier: must be between 1 and 4" in result.stderr
    assert f"{bad}:6:34: services[0].integrations[0].type: must be one of" in result.stderr
    with engine.connect() as conn:
        assert plan_world(conn, load_world_text(WORLD)).count("create") == 2
