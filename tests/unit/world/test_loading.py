"""Loading a world file: valid files load with their defaults, every problem is reported
at once as FILE:LINE:COL: path: what was expected, and nothing invalid gets through."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocsin.ingest.registry import INTEGRATION_TYPES, IntegrationType
from tocsin.world import World, WorldFileError, load_world_file, load_world_text
from tocsin.world.kinds.change_sources import ChangeSourceSpec
from tocsin.world.kinds.services import ServiceSpec

VALID = """\
version: 1
teams:
  - name: payments
    description: Payments and checkout
services:
  - name: checkout
    description: Customer checkout API
    team: payments
    tier: 1
    links:
      - {title: Dashboard, url: https://grafana.example.com/d/checkout}
    integrations:
      - name: prometheus
        type: pagerduty
  - name: search
change_sources:
  - name: deploys
    services: [checkout]
"""


def problems(text: str) -> list[str]:
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text, "world.yaml")
    return [str(e) for e in caught.value.errors]


def problems_of_file(path: Path) -> list[str]:
    with pytest.raises(WorldFileError) as caught:
        load_world_file(path)
    return [str(e) for e in caught.value.errors]


def services_of(world: World) -> list[ServiceSpec]:
    found = world.items("services", ServiceSpec)
    assert found is not None
    return found


def test_a_valid_file_loads_with_defaults_for_what_it_leaves_out() -> None:
    world = load_world_text(VALID)
    checkout, search = services_of(world)
    assert (checkout.tier, checkout.incident_grouping, checkout.auto_resolve_incidents) == (
        1,
        "open_incident",
        True,
    )
    assert checkout.integrations[0].key is None
    assert checkout.integrations[0].rate_limit_per_minute is None
    assert (search.team, search.tier, search.description, search.links) == (None, 3, "", [])
    assert world.items("change_sources", ChangeSourceSpec) == [
        ChangeSourceSpec(name="deploys", services=["checkout"])
    ]


def test_a_section_left_out_is_not_managed_and_an_empty_one_is() -> None:
    world = load_world_text("version: 1\nteams: []\n")
    assert world.manages("teams")
    assert not world.manages("services")


def test_load_world_file_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(VALID.replace("tier: 1", "tier: 9"))
    with pytest.raises(WorldFileError) as caught:
        load_world_file(path)
    assert str(caught.value) == f"{path}:9:11: services[0].tier: must be between 1 and 4"


def test_a_missing_file_is_a_world_file_error(tmp_path: Path) -> None:
    [found] = problems_of_file(tmp_path / "absent.yaml")
    assert found.startswith(f"{tmp_path / 'absent.yaml'}:1:1: cannot read")


def test_every_schema_error_is_reported_at_once_with_its_position() -> None:
    text = """\
version: 1
services:
  - name: checkout
    tier: 7
    teir: 1
    links:
      - {title: Dashboard, url: ftp://grafana}
      - {title: Logs}
    incident_grouping: sometimes
    auto_resolve_incidents: "no"
    integrations:
      - name: prometheus
        type: pagerdoody
        key: short
        rate_limit_per_minute: 0
  - description: nameless
"""
    assert problems(text) == [
        "world.yaml:4:11: services[0].tier: must be between 1 and 4",
        "world.yaml:5:5: services[0].teir: unknown field 'teir'; did you mean 'tier'?",
        "world.yaml:7:33: services[0].links[0].url: must be an http:// or https:// URL",
        "world.yaml:8:9: services[0].links[1].url: required",
        "world.yaml:9:24: services[0].incident_grouping: "
        "must be one of: labels, open_incident, per_alert, time_window",
        "world.yaml:10:29: services[0].auto_resolve_incidents: must be true or false",
        "world.yaml:13:15: services[0].integrations[0].type: "
        f"must be one of: {', '.join(sorted(INTEGRATION_TYPES))}",
        "world.yaml:14:14: services[0].integrations[0].key: "
        "must be 16 to 128 letters, digits, '-' or '_'",
        "world.yaml:15:32: services[0].integrations[0].rate_limit_per_minute: must be at least 1",
        "world.yaml:16:5: services[1].name: required",
    ]


def test_values_of_the_wrong_yaml_type_are_not_coerced() -> None:
    text = "version: 1\nteams:\n  - name: 42\n    description: [a]\n"
    assert problems(text) == [
        "world.yaml:3:11: teams[0].name: must be a string",
        "world.yaml:4:18: teams[0].description: must be a string",
    ]


def test_an_unknown_section_is_an_error_with_a_suggestion() -> None:
    assert problems("version: 1\nservice: []\n") == [
        "world.yaml:2:1: service: unknown field 'service'; did you mean 'services'?"
    ]


def test_an_unknown_field_without_a_close_match_lists_the_allowed_ones() -> None:
    [found] = problems("version: 1\nteams:\n  - name: a\n    colour: blue\n")
    assert found == (
        "world.yaml:4:5: teams[0].colour: unknown field 'colour'; "
        "expected one of: name, description"
    )


def test_names_must_be_non_empty_and_trimmed() -> None:
    text = "version: 1\nteams:\n  - name: ''\n  - name: ' padded'\n"
    assert problems(text) == [
        "world.yaml:3:11: teams[0].name: must not be empty",
        "world.yaml:4:11: teams[1].name: must not start or end with spaces",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "world.yaml:1:1: the file must be a mapping with `version: 1` and sections"),
        ("- a list\n", "world.yaml:1:1: the file must be a mapping with `version: 1` and sections"),
        ("teams: []\n", "world.yaml:1:1: version: required"),
        ("version: 2\n", "world.yaml:1:10: version: must be 1"),
    ],
)
def test_a_document_that_is_not_a_version_1_world_is_refused(text: str, expected: str) -> None:
    assert problems(text) == [expected]


def test_a_yaml_syntax_error_is_reported_where_the_parser_stopped() -> None:
    [found] = problems("version: 1\nservices: [oops\n")
    assert found.startswith("world.yaml:3:1: invalid YAML: expected ',' or ']'")


def test_a_key_written_twice_in_one_mapping_is_an_error() -> None:
    [found] = problems("version: 1\nteams: []\nteams: []\n")
    assert found.startswith('world.yaml:3:1: invalid YAML: found duplicate key "teams"')


def test_references_and_duplicates_are_checked_across_the_file() -> None:
    text = """\
version: 1
teams:
  - name: payments
services:
  - name: checkout
    team: paymnts
    integrations:
      - name: prometheus
        type: pagerduty
      - name: prometheus
        type: pagerduty
        key: 0123456789abcdef0123456789abcdef
  - name: checkout
change_sources:
  - name: deploys
    key: 0123456789abcdef0123456789abcdef
    services: [checkout, search]
"""
    assert problems(text) == [
        "world.yaml:6:11: services[0].team: unknown team 'paymnts' "
        "(not in this file's teams); did you mean 'payments'?",
        "world.yaml:10:15: services[0].integrations[1].name: "
        "duplicate integration 'checkout/prometheus' (first at line 8)",
        "world.yaml:13:11: services[1].name: duplicate service 'checkout' (first at line 5)",
        "world.yaml:16:10: change_sources[0].key: duplicate routing key: "
        "already used by integration 'checkout/prometheus' (line 10)",
        "world.yaml:17:26: change_sources[0].services[1]: unknown service 'search' "
        "(not in this file's services)",
    ]


def test_the_same_integration_name_on_two_services_is_fine() -> None:
    text = """\
version: 1
services:
  - name: a
    integrations: [{name: prometheus, type: pagerduty}]
  - name: b
    integrations: [{name: prometheus, type: pagerduty}]
"""
    load_world_text(text)


def test_references_to_a_section_the_file_leaves_out_wait_for_the_database() -> None:
    world = load_world_text("version: 1\nservices:\n  - name: checkout\n    team: payments\n")
    assert services_of(world)[0].team == "payments"


def test_integration_types_come_from_the_ingest_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "version: 1\nservices:\n  - name: a\n    integrations: [{name: x, type: zabbix}]\n"
    known = ", ".join(sorted(INTEGRATION_TYPES))
    assert problems(text)[0].endswith(f"must be one of: {known}")
    monkeypatch.setitem(
        INTEGRATION_TYPES, "zabbix", IntegrationType("zabbix", "Zabbix", "/v1/zabbix", "body")
    )
    load_world_text(text)


def test_an_error_lists_every_problem_as_data() -> None:
    with pytest.raises(WorldFileError) as caught:
        load_world_text("version: 1\nteams:\n  - name: a\n    colour: blue\n")
    [error] = caught.value.errors
    assert error.as_dict() == {
        "source": "world.yaml",
        "line": 4,
        "column": 5,
        "path": "teams[0].colour",
        "message": "unknown field 'colour'; expected one of: name, description",
    }
