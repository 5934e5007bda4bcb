"""Generic JSON webhooks: a declarative mapping turns any payload into one alert."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from tocsin.core.events import Action, Severity
from tocsin.ingest.alert_list import Invalid, Notification
from tocsin.ingest.generic import GenericMapping, map_payload, parse

JENKINS = GenericMapping(
    summary="join(' ', [job.name, 'build', to_string(build.number), build.status])",
    dedup_key="job.name",
    action="build.status",
    actions={"FAILURE": "trigger", "SUCCESS": "resolve"},
    severity="build.status",
    severities={"FAILURE": "critical", "SUCCESS": "info"},
    source="build.node",
    labels="{job: job.name, branch: build.branch}",
    details="build",
    timestamp="build.finished_at",
)
BUILD: dict[str, object] = {
    "number": 412,
    "status": "FAILURE",
    "node": "ci-3",
    "branch": "main",
    "finished_at": "2026-11-28T03:40:00Z",
}
FAILED: dict[str, object] = {
    "job": {"name": "deploy-checkout"},
    "build": BUILD,
}


def one(payload: object, mapping: GenericMapping = JENKINS) -> Notification | Invalid:
    return parse(json.dumps(payload).encode(), mapping, "jenkins")


def test_every_field_is_picked_from_the_payload() -> None:
    result = one(FAILED)
    assert isinstance(result, Notification)
    [alert] = result.alerts
    assert (alert.action, alert.severity) == (Action.TRIGGER, Severity.CRITICAL)
    assert alert.summary == "deploy-checkout build 412 FAILURE"
    assert (alert.dedup_key, alert.source) == ("deploy-checkout", "ci-3")
    assert alert.labels == {"job": "deploy-checkout", "branch": "main"}
    assert alert.custom_details["number"] == 412
    assert alert.occurred_at is not None


def test_translation_tables_map_sender_values_case_insensitively() -> None:
    result = one({**FAILED, "build": {**BUILD, "status": "success"}})
    assert isinstance(result, Notification)
    assert (result.alerts[0].action, result.alerts[0].severity) == (Action.RESOLVE, Severity.INFO)


def test_minimal_mapping_uses_defaults() -> None:
    result = one({"title": "Queue backed up"}, GenericMapping(summary="title"))
    assert isinstance(result, Notification)
    [alert] = result.alerts
    assert (alert.action, alert.severity, alert.source) == (
        Action.TRIGGER,
        Severity.ERROR,
        "jenkins",
    )
    assert alert.dedup_key.startswith("summary:")  # same summary, same alert
    assert alert.custom_details == {"title": "Queue backed up"}


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"job": {}}, "failed on this payload"),
        ({**FAILED, "build": {**BUILD, "status": "ABORTED"}}, "gave 'ABORTED'"),
        ({**FAILED, "build": {**BUILD, "finished_at": "soon"}}, "not ISO 8601"),
    ],
)
def test_payloads_that_do_not_fit_say_why(payload: object, problem: str) -> None:
    result = one(payload)
    assert isinstance(result, Invalid)
    assert any(problem in e for e in result.errors), result.errors


def test_bad_json_is_invalid() -> None:
    assert isinstance(parse(b"{nope", JENKINS, "x"), Invalid)


@pytest.mark.parametrize(
    "bad",
    [
        {"summary": "foo[["},
        {"summary": "a", "severities": {"x": "apocalyptic"}},
        {"summary": "a", "actions": {"x": "explode"}},
        {"summary": "a", "colour": "blue"},
    ],
)
def test_bad_mappings_are_refused_when_the_world_is_loaded(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        GenericMapping.model_validate(bad)


def test_an_expression_nested_too_deeply_is_refused_when_the_world_is_loaded() -> None:
    with pytest.raises(ValidationError, match="nested too deeply"):
        GenericMapping(summary="(" * 3000 + "title" + ")" * 3000)


def test_a_payload_too_deep_for_a_function_is_a_problem_not_an_exception() -> None:
    deep: list[object] = []
    for _ in range(1500):  # deeper than json.dumps (behind to_string) can recurse
        deep = [deep]
    mapping = GenericMapping(summary="to_string(x)", details="title")
    found = map_payload({"title": "t", "x": deep}, mapping, "ci", "{}")
    assert isinstance(found, Invalid)
    assert found.errors[0] == "'to_string(x)' failed on this payload: nested too deeply"
