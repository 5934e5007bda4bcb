"""A schedule made through the API and the world file: ``tocsin apply`` manages every
schedule, so ``tocsin export`` writes the API's into the file, and applying a file that
lacks it deletes it (with its overrides and swaps), as ``--dry-run`` shows beforehand."""

from __future__ import annotations

from pathlib import Path

from tests.integration.conftest import Tocsin
from tests.integration.schedules.conftest import WORLD
from tests.integration.schedules.editing import DAYTIME, WEEKLY, call, new_schedule, shifts

WINDOW = {"start": "2026-01-13T00:00:00+01:00", "end": "2026-01-14T00:00:00+01:00"}
YEAR = ("2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z")


def test_export_writes_the_api_schedule_and_applies_back_unchanged(
    oncall: Tocsin, tmp_path: Path
) -> None:
    new_schedule(oncall, "made-by-api", WEEKLY, DAYTIME, team="payments")
    call(
        oncall,
        "PUT",
        "/api/v1/schedules/made-by-api/layers/weekly",
        json={"participants": ["bob", "chandra"], "effective_from": "2026-05-06T10:00:00+02:00"},
    )
    before = shifts(oncall, "made-by-api", *YEAR)
    exported = tmp_path / "exported.yaml"
    exported.write_text(oncall.cli("export"))

    text = exported.read_text()
    assert "name: made-by-api" in text
    assert "effective_from: '2026-05-11T09:00:00+02:00'" in text  # the next handoff
    assert oncall.cli("apply", "-f", str(exported), "--dry-run").startswith("No changes.")
    assert oncall.cli("apply", "-f", str(exported)).startswith("No changes.")
    assert shifts(oncall, "made-by-api", *YEAR) == before


def test_applying_a_file_without_the_api_schedule_deletes_it_and_its_swaps(
    oncall: Tocsin,
) -> None:
    new_schedule(oncall, "doomed")
    base = "/api/v1/schedules/doomed"
    call(oncall, "POST", f"{base}/overrides", 201, json={"user": "chandra", **WINDOW})
    swap = {"from_user": "chandra", "to_user": "bob", **WINDOW}
    accepted = call(oncall, "POST", f"{base}/swaps", 201, json=swap)
    call(oncall, "POST", f"{base}/swaps/{accepted['id']}/accept")  # bob now has the window
    call(
        oncall, "POST", f"{base}/swaps", 201, json={**swap, "from_user": "bob", "to_user": "alice"}
    )

    plan = oncall.cli("apply", "-f", str(WORLD), "--dry-run")
    assert "- schedule doomed" in plan
    assert "(dry run: nothing was changed)" in plan
    call(oncall, "GET", base)

    applied = oncall.cli("apply", "-f", str(WORLD))

    assert "- schedule doomed" in applied
    with oncall.api() as api:
        assert api.get(base).status_code == 404
    new_schedule(oncall, "doomed")
    assert call(oncall, "GET", f"{base}/overrides") == []
    assert call(oncall, "GET", f"{base}/swaps") == []
