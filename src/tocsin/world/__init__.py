"""Configuration as code: the world file behind ``tocsin apply`` and ``tocsin export``.

``load_world_file`` validates a file (errors point at FILE:LINE:COL), ``plan_world``
compares it with the database, ``apply_world`` makes the database match in one
transaction, ``render_plan`` prints a plan, ``export_world`` writes the database back out
as a file. Each kind of object is one module in ``kinds/``, listed in ``registry.py``.
"""

from __future__ import annotations

from tocsin.world.apply import apply_world, plan_world
from tocsin.world.document import World
from tocsin.world.errors import WorldError, WorldFileError
from tocsin.world.export import export_world
from tocsin.world.loading import load_world_file, load_world_text
from tocsin.world.plan import Action, Change, FieldChange, Plan, render_plan
from tocsin.world.registry import KINDS

__all__ = [
    "KINDS",
    "Action",
    "Change",
    "FieldChange",
    "Plan",
    "World",
    "WorldError",
    "WorldFileError",
    "apply_world",
    "export_world",
    "load_world_file",
    "load_world_text",
    "plan_world",
    "render_plan",
]
