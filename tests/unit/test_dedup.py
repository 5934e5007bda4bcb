"""Deduplication semantics, PagerDuty-style, as a pure function of events and open alerts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from tests.unit.dedup_model import StoreModel
from tocsin.core.dedup import OpenAlert, Outcome, decide, plan_batch
from tocsin.core.events import Action, AlertEvent, AlertStatus, Route
from tocsin.core.grouping import GroupingMode, OpenIncident, choose_incident
from tocsin.core.incident_status import IncidentStatus, status_after_alert_change
from tocsin.core.suppression import Suppression

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
PROM = Route("int-prom", "svc-checkout", "pagerduty")
OTHER = Route("int-other", "svc-checkout", "pagerduty")
PER_ALERT = Route("int-pay", "svc-pay", "pagerduty", GroupingMode.PER_ALERT)


def event(
    action: Action, key: str, route: Route = PROM, at: int = 0, summary: str = "s"
) -> AlertEvent:
    return AlertEvent(
        route=route,
        action=action,
        dedup_key=key,
        received_at=T0 + timedelta(seconds=at),
        raw="{}",
        summary=summary,
        source="src",
    )


def ids() -> Callable[[datetime], str]:
    counter = itertools.count(1)
    return lambda _when: f"id{next(counter)}"


def open_alert(
    key: str, status: AlertStatus = AlertStatus.TRIGGERED, route: Route = PROM
) -> OpenAlert:
    return OpenAlert("a-stored", route.service_id, route.integration_id, key, status, "inc-stored")


def test_trigger_without_open_alert_creates_one() -> None:
    assert decide(None, event(Action.TRIGGER, "k")) is Outcome.CREATED


def test_trigger_on_open_alert_appends() -> None:
    assert decide(open_alert("k"), event(Action.TRIGGER, "k")) is Outcome.APPENDED


def test_follow_ups_without_open_alert_are_ignored() -> None:
    assert decide(None, event(Action.ACKNOWLEDGE, "k")) is Outcome.IGNORED
    assert decide(None, event(Action.RESOLVE, "k")) is Outcome.IGNORED


def test_follow_ups_only_apply_under_the_same_routing_key() -> None:
    assert decide(open_alert("k"), event(Action.RESOLVE, "k", route=OTHER)) is Outcome.IGNORED
    assert decide(open_alert("k"), event(Action.RESOLVE, "k")) is Outcome.RESOLVED


def test_repeated_triggers_count_occurrences_on_one_alert() -> None:
    plan = plan_batch(
        [event(Action.TRIGGER, "k", at=i, summary=f"v{i}") for i in range(3)], {}, {}, ids()
    )
    assert len(plan.new_alerts) == 1
    alert = plan.new_alerts[0]
    assert alert.occurrences_added == 3
    assert alert.latest is not None
    assert alert.latest.summary == "v2"
    assert [r.outcome for r in plan.events] == [Outcome.CREATED, Outcome.APPENDED, Outcome.APPENDED]


def test_trigger_after_resolve_opens_a_new_alert() -> None:
    events = [
        event(Action.TRIGGER, "k"),
        event(Action.RESOLVE, "k", at=1),
        event(Action.TRIGGER, "k", at=2),
    ]
    plan = plan_batch(events, {}, {}, ids())
    # The plan stops before the new trigger: it would join the incident whose only alert
    # it resolved, and whether that incident is still open is decided once this is stored.
    assert [r.outcome for r in plan.events] == [Outcome.CREATED, Outcome.RESOLVED]
    assert [a.status.value for a in plan.new_alerts] == ["resolved"]
    rest = plan_batch(events[2:], {}, {}, ids())  # the incident resolved with it
    assert [a.status.value for a in rest.new_alerts] == ["triggered"]
    assert len(rest.incidents) == 1  # a new incident, as one event at a time would


def test_stored_alert_resolved_and_replaced_in_one_batch() -> None:
    stored = open_alert("k")
    plan = plan_batch(
        [event(Action.RESOLVE, "k"), event(Action.TRIGGER, "k", at=1)],
        {(PROM.service_id, "k"): stored},
        {(PROM.service_id, ""): OpenIncident("inc-stored", T0)},
        ids(),
    )
    assert [a.status for a in plan.updated_alerts] == [AlertStatus.RESOLVED]
    assert plan.incidents_to_recheck == {"inc-stored"}
    assert len(plan.events) == 1  # the re-trigger is planned once the incident is decided
    per_alert = Route(PROM.integration_id, PROM.service_id, "pagerduty", GroupingMode.PER_ALERT)
    replaced = plan_batch(
        [event(Action.RESOLVE, "k", per_alert), event(Action.TRIGGER, "k", per_alert, at=1)],
        {(PROM.service_id, "k"): stored},
        {},
        ids(),
    )
    assert [a.status for a in replaced.updated_alerts] == [AlertStatus.RESOLVED]
    assert [a.status for a in replaced.new_alerts] == [AlertStatus.TRIGGERED]


def test_acknowledge_keeps_the_first_acknowledgement_time() -> None:
    events = [
        event(Action.TRIGGER, "k"),
        event(Action.ACKNOWLEDGE, "k", at=5),
        event(Action.ACKNOWLEDGE, "k", at=9),
    ]
    alert = plan_batch(events, {}, {}, ids()).new_alerts[0]
    assert alert.status is AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_at == T0 + timedelta(seconds=5)


def test_new_alerts_join_the_services_open_incident() -> None:
    plan = plan_batch(
        [event(Action.TRIGGER, "a"), event(Action.TRIGGER, "b")],
        {},
        {(PROM.service_id, ""): OpenIncident("inc-open", T0)},
        ids(),
    )
    assert plan.incidents == []
    assert {a.incident_id for a in plan.new_alerts} == {"inc-open"}


def test_without_open_incident_the_first_alert_opens_one_and_the_rest_join_it() -> None:
    plan = plan_batch([event(Action.TRIGGER, "a"), event(Action.TRIGGER, "b")], {}, {}, ids())
    assert len(plan.incidents) == 1
    assert {a.incident_id for a in plan.new_alerts} == {plan.incidents[0].id}
    assert plan.incidents[0].title == "s"


def test_per_alert_grouping_opens_one_incident_per_alert() -> None:
    events = [event(Action.TRIGGER, k, route=PER_ALERT) for k in "abc"]
    plan = plan_batch(events, {}, {}, ids())
    assert len(plan.incidents) == 3
    assert choose_incident(GroupingMode.PER_ALERT, OpenIncident("inc", T0), T0) is None


def test_time_window_grouping_joins_only_a_recent_incident() -> None:
    route = Route(
        "i", "s", "pagerduty", GroupingMode.TIME_WINDOW, grouping_window=timedelta(minutes=10)
    )
    recent = {("s", ""): OpenIncident("recent", T0 - timedelta(minutes=5))}
    old = {("s", ""): OpenIncident("old", T0 - timedelta(minutes=11))}
    joined = plan_batch([event(Action.TRIGGER, "a", route=route)], {}, recent, ids())
    assert joined.new_alerts[0].incident_id == "recent"
    opened = plan_batch([event(Action.TRIGGER, "a", route=route)], {}, old, ids())
    assert len(opened.incidents) == 1


def test_label_grouping_puts_alerts_sharing_the_labels_together() -> None:
    route = Route("i", "s", "alertmanager", GroupingMode.LABELS, grouping_labels=("cluster",))

    def fired(key: str, cluster: str) -> AlertEvent:
        return AlertEvent(
            route, Action.TRIGGER, key, T0, "{}", "s", "src", labels={"cluster": cluster}
        )

    plan = plan_batch([fired("a", "eu"), fired("b", "us"), fired("c", "eu")], {}, {}, ids())
    by_key = {a.dedup_key: a.incident_id for a in plan.new_alerts}
    assert by_key["a"] == by_key["c"] != by_key["b"]
    assert sorted(i.group_key for i in plan.incidents) == ["cluster=eu", "cluster=us"]


def test_incident_resolves_when_its_last_alert_resolves() -> None:
    status = status_after_alert_change(
        IncidentStatus.TRIGGERED, has_triggered_alert=False, has_open_alert=False, auto_resolve=True
    )
    assert status is IncidentStatus.RESOLVED


def test_incident_stays_open_when_auto_resolve_is_off() -> None:
    status = status_after_alert_change(
        IncidentStatus.ACKNOWLEDGED,
        has_triggered_alert=False,
        has_open_alert=False,
        auto_resolve=False,
    )
    assert status is IncidentStatus.ACKNOWLEDGED


def test_incident_is_acknowledged_once_no_alert_is_still_triggered() -> None:
    status = status_after_alert_change(
        IncidentStatus.TRIGGERED, has_triggered_alert=False, has_open_alert=True, auto_resolve=True
    )
    assert status is IncidentStatus.ACKNOWLEDGED


actions = st.sampled_from(list(Action))
keys = st.sampled_from(["a", "b", "c"])
pairs = st.sampled_from(["a", "b"])
# One service per grouping mode; alerts labelled cluster=maint are held by a silence that
# ends 20 s in (a REEVALUATE after that releases them, as the hold sweep does).
GROUPED = [
    Route("int-open", "svc-open", "pagerduty", GroupingMode.OPEN_INCIDENT),
    Route(
        "int-window",
        "svc-window",
        "pagerduty",
        GroupingMode.TIME_WINDOW,
        grouping_window=timedelta(seconds=10),
    ),
    Route(
        "int-labels", "svc-labels", "pagerduty", GroupingMode.LABELS, grouping_labels=("cluster",)
    ),
    Route("int-each", "svc-each", "pagerduty", GroupingMode.PER_ALERT),
]
SILENCE_END = T0 + timedelta(seconds=20)


def silence_maint(e: AlertEvent) -> Suppression | None:
    if e.labels.get("cluster") == "maint" and e.received_at < SILENCE_END:
        return Suppression("silence", "s1", SILENCE_END)
    return None


steps_strategy = st.lists(
    st.tuples(
        actions,
        pairs,
        st.sampled_from(range(len(GROUPED))),
        st.sampled_from(["eu", "maint"]),
    ),
    max_size=30,
)


def grouped_events(steps: list[tuple[Action, str, int, str]]) -> list[AlertEvent]:
    return [
        AlertEvent(
            GROUPED[r], a, f"{k}-{cluster}", T0 + timedelta(seconds=i), "{}", "s", "src",
            labels={"cluster": cluster},
        )
        for i, (a, k, r, cluster) in enumerate(steps)
    ]  # fmt: skip


@given(steps_strategy)
def test_batch_never_leaves_two_open_alerts_for_one_key(
    steps: list[tuple[Action, str, int, str]],
) -> None:
    store = StoreModel(ids(), silence_maint)
    store.submit(grouped_events(steps))
    open_keys = [
        (a.service_id, a.dedup_key)
        for a in store.alerts.values()
        if a.status is not AlertStatus.RESOLVED
    ]
    assert len(open_keys) == len(set(open_keys))
    assert len(store.outcomes) == len(steps)  # every event is logged, ignored ones included


@given(steps_strategy)
@example(
    [(Action.TRIGGER, "a", 0, "eu"), (Action.RESOLVE, "a", 0, "eu"), (Action.TRIGGER, "b", 0, "eu")]
)
@example(
    [
        (Action.TRIGGER, "a", 2, "eu"),
        (Action.ACKNOWLEDGE, "a", 2, "eu"),
        (Action.TRIGGER, "b", 2, "eu"),
    ]
)
@settings(max_examples=300)
def test_one_batch_equals_the_same_events_one_at_a_time(
    steps: list[tuple[Action, str, int, str]],
) -> None:
    """Outcomes, alerts (status, occurrences, holds, incident) and incidents (status,
    group) end the same, whatever the grouping mode, with holds and releases mixed in."""
    events = grouped_events(steps)
    together = StoreModel(ids(), silence_maint)
    together.submit(events)
    one_by_one = StoreModel(ids(), silence_maint)
    for e in events:
        one_by_one.submit([e])
    assert together.outcomes == one_by_one.outcomes
    assert together.alerts == one_by_one.alerts
    assert together.incidents == one_by_one.incidents


def test_a_repeat_trigger_keeps_a_noise_hold_until_its_end() -> None:
    paused = Route("int-am", "svc-am", "alertmanager", pause_new_alerts=timedelta(seconds=90))
    first = plan_batch([event(Action.TRIGGER, "k", paused)], {}, {}, ids())
    [held] = first.alerts.values()
    assert held.suppressed_by == "transient_pause:k"
    stored = OpenAlert(
        held.id, "svc-am", "int-am", "k", AlertStatus.TRIGGERED, None, held.suppressed_by,
        held.suppressed_until,
    )  # fmt: skip
    for at, pages in ((30, False), (89, False), (90, True)):
        plan = plan_batch(
            [event(Action.TRIGGER, "k", paused, at=at)], {("svc-am", "k"): stored}, {}, ids()
        )
        [change] = plan.alerts.values()
        assert (change.incident_id is not None) is pages, at
