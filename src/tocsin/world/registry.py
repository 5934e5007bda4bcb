"""Every kind of object the world file holds, in dependency order.

Objects are created and updated in this order and deleted in reverse, so a kind may
refer to kinds listed before it. Adding a kind: write its module in ``world/kinds`` and
add one line here.
"""

from __future__ import annotations

from tocsin.world.kind import Kind
from tocsin.world.kinds.change_sources import ChangeSources
from tocsin.world.kinds.escalation_policies import EscalationPolicies
from tocsin.world.kinds.heartbeats import Heartbeats
from tocsin.world.kinds.integrations import Integrations
from tocsin.world.kinds.maintenance_windows import MaintenanceWindows
from tocsin.world.kinds.schedules import Schedules
from tocsin.world.kinds.services import Services
from tocsin.world.kinds.team_members import TeamMembers
from tocsin.world.kinds.teams import Teams
from tocsin.world.kinds.users import Users

KINDS: tuple[Kind, ...] = (
    Teams(),
    Users(),
    TeamMembers(),
    Schedules(),
    EscalationPolicies(),
    Services(),
    Heartbeats(),
    Integrations(),
    ChangeSources(),
    MaintenanceWindows(),
)
