"""Escalation policies in the world file, on SQLite and on PostgreSQL: validation with
file positions, references to users, schedules and teams, services pointing at a policy,
idempotence and the export round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from tocsin.escalation.definition import PolicyDefinition
from tocsin.escalation.policy import LevelMode, Target, TargetKind
from tocsin.store.schema import escalation_policies, services
from tocsin.world import WorldFileError, apply_world, export_world, load_world_text

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
PEOPLE = """\
version: 1
teams:
  - name: sre
users:
  - name: alice
  - name: bob
team_members:
  - name: sre
    members: [{user: alice}]
schedules:
  - name: web-primary
    time_zone: UTC
    layers:
      - name: weekly
        rotation:
          start: "2026-11-30T09:00:00+00:00"
          turn: 1w
          participants: [alice, bob]
"""
POLICIES = """\
escalation_policies:
  - name: web-critical
    description: Pages the web on-call, then the SRE team
    levels:
      - targets: [{schedule: web-primary}]
        delay: 5m
      - targets: [{user: bob}, {team: sre}]
        delay: 300s
        mode: round_robin
    repeat: 2
    fallback: [{user: alice}]
"""
SERVICES = """\
services:
  - name: web
    escalation_policy: web-critical
  - name: batch
"""
WORLD = PEOPLE + POLICIES + SERVICES


def apply(engine: Engine, text: str) -> list[str]:
    return [c.label for c in apply_world(engine, load_world_text(text), NOW).changes]


def problems(text: str) -> str:
    with pytest.raises(WorldFileError) as caught:
        load_world_text(text)
    return str(caught.value)


def test_a_policy_applies_once_then_plans_nothing(engine: Engine) -> None:
    first = apply(engine, WORLD)
    assert "escalation_policy web-critical" in first
    assert apply(engine, WORLD) == []


def test_the_stored_policy_reads_back_as_the_pure_model(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        row = conn.execute(select(escalation_policies)).one()
        policy_of_web = conn.execute(
            select(services.c.escalation_policy_id).where(services.c.name == "web")
        ).scalar_one()
        policy_of_batch = conn.execute(
            select(services.c.escalation_policy_id).where(services.c.name == "batch")
        ).scalar_one()
    assert (policy_of_web, policy_of_batch) == (row.id, None)
    assert row.description == "Pages the web on-call, then the SRE team"
    policy = PolicyDefinition.model_validate(row.definition).to_policy(row.name)
    first, second = policy.levels
    assert first.targets == (Target(TargetKind.SCHEDULE, "web-primary"),)
    assert (first.delay, first.mode) == (timedelta(minutes=5), LevelMode.ALL)
    assert second.targets == (Target(TargetKind.USER, "bob"), Target(TargetKind.TEAM, "sre"))
    assert (second.delay, second.mode) == (timedelta(minutes=5), LevelMode.ROUND_ROBIN)
    assert (policy.repeat, policy.fallback) == (2, (Target(TargetKind.USER, "alice"),))


def test_export_applies_back_with_no_changes(engine: Engine) -> None:
    apply(engine, WORLD)
    with engine.connect() as conn:
        exported = export_world(conn)
    assert "escalation_policy: web-critical" in exported
    assert "delay: 5m" in exported  # 300s written back in one spelling
    assert apply(engine, exported) == []


def test_editing_a_level_is_one_update(engine: Engine) -> None:
    apply(engine, WORLD)
    assert apply(engine, WORLD.replace("delay: 300s", "delay: 10m")) == [
        "escalation_policy web-critical"
    ]


def test_a_policy_in_use_cannot_be_deleted_and_a_service_can_let_go_of_it(
    engine: Engine,
) -> None:
    apply(engine, WORLD)
    refused = problems(PEOPLE + "escalation_policies: []\n" + SERVICES)
    assert "unknown escalation_policy 'web-critical'" in refused
    released = SERVICES.replace("    escalation_policy: web-critical\n", "")
    labels = apply(engine, PEOPLE + "escalation_policies: []\n" + released)
    assert "escalation_policy web-critical" in labels
    with engine.connect() as conn:
        assert conn.execute(select(escalation_policies)).first() is None


@pytest.mark.parametrize(
    ("change", "where", "problem"),
    [
        (
            "{schedule: web-primary}",
            "{schedule: web-secondary}",
            "unknown schedule 'web-secondary'",
        ),
        (
            "{user: bob}",
            "{user: bobby}",
            "unknown user 'bobby' (not in this file's users); did you mean 'bob'?",
        ),
        ("{team: sre}", "{team: ops}", "unknown team 'ops'"),
        ("fallback: [{user: alice}]", "fallback: [{user: alice, team: sre}]", "exactly one of"),
        ("fallback: [{user: alice}]", "fallback: [{}]", "exactly one of user, schedule or team"),
        ("delay: 5m", "delay: 30s", "must be at least 1m"),
        ("delay: 5m", "delay: soon", "delay"),
        ("repeat: 2", "repeat: 11", "repeat"),
        ("mode: round_robin", "mode: random", "round_robin"),
        ("targets: [{schedule: web-primary}]", "targets: []", "targets"),
        ("escalation_policy: web-critical", "escalation_policy: web", "unknown escalation_policy"),
    ],
)
def test_bad_policies_are_refused_with_their_line(change: str, where: str, problem: str) -> None:
    assert change in WORLD
    message = problems(WORLD.replace(change, where, 1))
    assert problem in message
    assert "world.yaml:" in message or ":" in message.splitlines()[0]


def test_a_policy_without_levels_is_refused() -> None:
    text = WORLD.replace(POLICIES, "escalation_policies:\n  - name: empty\n    levels: []\n")
    text = text.replace("escalation_policy: web-critical", "escalation_policy: empty")
    assert "levels" in problems(text)


@pytest.mark.parametrize(
    ("method", "problem"),
    [
        (
            '{type: webhook, address: "https://h.example/x", secret: hunter2}',
            "env:NAME or file:/path",
        ),
        ('{type: email, address: a@example.com, secret: "env:X"}', "only webhook contact methods"),
    ],
)
def test_a_secret_is_a_reference_and_only_for_webhooks(method: str, problem: str) -> None:
    text = WORLD.replace("  - name: bob\n", f"  - name: bob\n    contact_methods: [{method}]\n", 1)
    assert problem in problems(text)


def test_a_webhook_s_secret_reference_is_stored_exported_and_not_a_change_twice(
    engine: Engine,
) -> None:
    method = '{type: webhook, address: "https://h.example/x", secret: "env:BOB_HOOK"}'
    text = WORLD.replace("  - name: bob\n", f"  - name: bob\n    contact_methods: [{method}]\n", 1)
    apply(engine, text)
    assert apply(engine, text) == []
    with engine.connect() as conn:
        exported = export_world(conn)
    assert "secret: env:BOB_HOOK" in exported
    assert apply(engine, exported) == []


@pytest.mark.parametrize(
    ("rules", "problem"),
    [
        ("{high: [{after: 2m, via: sms}]}", "bob has no sms contact method"),
        ("{high: [{after: 25h, via: webhook}]}", "between 0s and 24h"),
        ("{urgent: [{via: webhook}]}", "unknown field 'urgent'"),
    ],
)
def test_bad_notification_rules_are_refused(rules: str, problem: str) -> None:
    user = (
        "  - name: bob\n"
        '    contact_methods: [{type: webhook, address: "https://h.example/x"}]\n'
        f"    notification_rules: {rules}\n"
    )
    assert problem in problems(WORLD.replace("  - name: bob\n", user, 1))


def test_notification_rules_are_stored_exported_and_not_a_change_twice(engine: Engine) -> None:
    user = (
        "  - name: bob\n"
        '    contact_methods: [{type: webhook, address: "https://h.example/x"}]\n'
        "    notification_rules: {high: [{after: 120s, via: webhook}], low: [{via: webhook}]}\n"
    )
    text = WORLD.replace("  - name: bob\n", user, 1)
    apply(engine, text)
    assert apply(engine, text) == []
    with engine.connect() as conn:
        exported = export_world(conn)
    assert "after: 2m" in exported
    assert apply(engine, exported) == []
