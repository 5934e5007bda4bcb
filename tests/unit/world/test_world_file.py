"""Loading the world file: valid files parse; every problem is reported with its line."""

from __future__ import annotations

import pytest

from tocsin.world import WorldFileError, load_world_text

VALID = """
version: 1
teams:
  - name: payments
services:
  - name: checkout
    team: payments
    tier: 1
    links:
      - {title: Dashboard, url: https://grafana.example.com/d/checkout}
    integrations:
      - name: prometheus
        type: pagerduty
change_sources:
  - name: deploys
    services: [checkout]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(WorldFileError) as info:
        load_world_text(text, "world.yaml")
    return info.value.problems


def test_valid_file_loads_with_defaults() -> None:
    world = load_world_text(VALID)
    service = world.services[0]
    assert (service.tier, service.incident_grouping, service.auto_resolve_incidents) == (
        1,
        "open_incident",
        True,
    )
    assert service.integrations[0].key is None
    assert world.change_sources[0].services == ["checkout"]


def test_schema_errors_name_file_line_column_and_path() -> None:
    text = VALID.replace("tier: 1", "tier: 7").replace("type: pagerduty", "type: pagerdoody")
    found = problems(text)
    assert "world.yaml:8:11: services[0].tier: Input should be less than or equal to 4" in found
    assert any(
        p.startswith("world.yaml:13:15: services[0].integrations[0].type: must be one of")
        for p in found
    )


def test_unknown_fields_are_errors() -> None:
    found = problems(VALID.replace("tier: 1", "tier: 1\n    colour: blue"))
    assert any("services[0].colour: is not a known field" in p for p in found)


def test_missing_required_field_points_at_its_parent() -> None:
    found = problems("version: 1\nservices:\n  - description: nameless\n")
    assert found == ["world.yaml:3:5: services[0].name: is required"]


def test_cross_references_are_checked() -> None:
    text = VALID.replace("team: payments", "team: payment").replace(
        "[checkout]", "[checkout, search]"
    )
    found = problems(text)
    assert any("services[0].team: unknown team 'payment'" in p for p in found)
    assert any("change_sources[0].services[1]: unknown service 'search'" in p for p in found)


def test_duplicate_names_and_keys_are_errors() -> None:
    text = """
version: 1
services:
  - name: a
    integrations:
      - {name: x, type: pagerduty, key: 0123456789abcdef0123456789abcdef}
      - {name: x, type: pagerduty, key: 0123456789abcdef0123456789abcdef}
  - name: a
"""
    found = problems(text)
    assert any("services[1].name: duplicate name 'a'" in p for p in found)
    assert any("services[0].integrations[1].name: duplicate name 'x'" in p for p in found)
    assert any("integrations[1].key: this key is already used" in p for p in found)


def test_invalid_yaml_is_reported_with_its_position() -> None:
    [found] = problems("version: 1\nservices: [oops\n")
    assert found.startswith("world.yaml:3:1: invalid YAML")


@pytest.mark.parametrize("text", ["", "- a list\n", "version: 2\n"])
def test_not_a_world_file(text: str) -> None:
    assert problems(text)
