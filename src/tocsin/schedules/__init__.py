"""On-call schedules: who is on call when, computed as pure functions of the data and time.

Nothing in this package reads the clock, the database or the environment. Build a
``Schedule`` from layers of rotations (with restrictions and revisions), overrides and
shadows, then ask ``final_schedule(schedule, start, end)`` or ``on_call_at(schedule,
instant)``. The DST policy is in docs/decisions/0002-schedule-dst-policy.md and the model
is explained in docs/schedules.md.
"""

from tocsin.core.wallclock import wall_to_utc
from tocsin.schedules.fairness import BusinessHours, HourCategory, OnCallHours, on_call_hours
from tocsin.schedules.final import DEFAULT_HORIZON, final_schedule, on_call_at
from tocsin.schedules.handoff import (
    AlertSummary,
    ChangeSummary,
    HandoffReport,
    IncidentSummary,
    OngoingIssue,
    ReportItem,
    ReportSection,
    build_handoff_report,
    render_text,
)
from tocsin.schedules.layers import (
    EditAnchor,
    change_participants,
    layer_shifts,
    revise,
    revision_at,
)
from tocsin.schedules.model import (
    DailyWindow,
    FinalSchedule,
    Gap,
    Layer,
    OnCall,
    Override,
    Restrictions,
    Revision,
    Rotation,
    Schedule,
    Shadow,
    ShadowShift,
    Shift,
    ShiftSource,
    Swap,
    TurnLength,
    TurnUnit,
    Weekday,
    WeeklyWindow,
    Window,
)
from tocsin.schedules.overrides import accept_swap
from tocsin.schedules.restrictions import is_restricted_in, restriction_intervals
from tocsin.schedules.rotation import Turn, handoff_time, handoffs_between, turn_at, turns_between

__all__ = [
    "DEFAULT_HORIZON",
    "AlertSummary",
    "BusinessHours",
    "ChangeSummary",
    "DailyWindow",
    "EditAnchor",
    "FinalSchedule",
    "Gap",
    "HandoffReport",
    "HourCategory",
    "IncidentSummary",
    "Layer",
    "OnCall",
    "OnCallHours",
    "OngoingIssue",
    "Override",
    "ReportItem",
    "ReportSection",
    "Restrictions",
    "Revision",
    "Rotation",
    "Schedule",
    "Shadow",
    "ShadowShift",
    "Shift",
    "ShiftSource",
    "Swap",
    "Turn",
    "TurnLength",
    "TurnUnit",
    "Weekday",
    "WeeklyWindow",
    "Window",
    "accept_swap",
    "build_handoff_report",
    "change_participants",
    "final_schedule",
    "handoff_time",
    "handoffs_between",
    "is_restricted_in",
    "layer_shifts",
    "on_call_at",
    "on_call_hours",
    "render_text",
    "restriction_intervals",
    "revise",
    "revision_at",
    "turn_at",
    "turns_between",
    "wall_to_utc",
]
