"""The examples in docs/config.md do what the page says, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tocsin.world import WorldFileError, apply_world, load_world_text, render_plan

DOC = Path(__file__).resolve().parents[3] / "docs" / "config.md"
NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
DRY_RUN_NOTE = "(dry run: nothing was changed)"


def block(label: str) -> str:
    """The fenced block right after ``<!-- label -->`` in the page."""
    found = re.search(rf"<!-- {re.escape(label)} -->\n```\w+\n(.*?)```", DOC.read_text(), re.S)
    assert found is not None, label
    return found.group(1)


def test_the_example_plans_then_applies_then_edits_as_the_page_shows(engine: Engine) -> None:
    example = load_world_text(block("world: example"))
    dry_run = render_plan(apply_world(engine, example, NOW, dry_run=True))
    assert f"{dry_run}\n{DRY_RUN_NOTE}\n" == block("plan: example")
    apply_world(engine, example, NOW)
    assert render_plan(apply_world(engine, example, NOW)) == "No changes."
    edited = apply_world(engine, load_world_text(block("world: edited")), NOW)
    assert f"{render_plan(edited)}\n" == block("plan: edited")


@pytest.mark.parametrize("name", ["invalid", "references"])
def test_the_error_examples_print_what_the_page_shows(name: str) -> None:
    with pytest.raises(WorldFileError) as caught:
        load_world_text(block(f"world: {name}"), "world.yaml")
    assert f"error: {caught.value}\n" == block(f"errors: {name}")
