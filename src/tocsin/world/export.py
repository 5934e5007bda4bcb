"""Exporting the database as a world file that applies with no changes."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Connection

from tocsin.world.registry import KINDS

HEADER = "# Tocsin world, written by `tocsin export`. Apply with `tocsin apply -f FILE`.\n"


def export_world(conn: Connection) -> str:
    """The live (not archived) objects as world-file YAML, keys included.

    Objects are sorted by name and fields at their defaults are left out, so the output
    is stable and diffs well; applying it to the same database plans no changes.
    """
    doc: dict[str, Any] = {"version": 1}
    for kind in KINDS:
        if kind.owns_section:
            doc.setdefault(kind.section, [])
        kind.export([r for r in kind.current(conn) if not r.archived], doc)
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    out.write(HEADER)
    yaml.dump(doc, out)
    return out.getvalue()
