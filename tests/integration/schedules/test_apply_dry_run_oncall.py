"""`tocsin apply --dry-run` shows how who-is-on-call changes over the next 14 days."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.support.server import run_cli

DEMO = Path(__file__).resolve().parents[3] / "examples" / "demo.yaml"


def test_dry_run_shows_the_oncall_change_of_a_rotation_edit(engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    run_cli(url, "apply", "-f", str(DEMO))
    edited = tmp_path / "world.yaml"
    edited.write_text(
        DEMO.read_text().replace(
            "participants: [alice, bob, chandra]", "participants: [chandra, bob, alice]", 1
        )
    )
    out = run_cli(url, "apply", "-f", str(edited), "--dry-run").stdout
    assert "Who is on call changes over the next 14 days:" in out
    assert "  payments-primary: " in out
    assert "(dry run: nothing was changed)" in out
    assert "No changes." in run_cli(url, "apply", "-f", str(DEMO), "--dry-run").stdout
