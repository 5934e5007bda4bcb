"""Exporting the live world as YAML that ``tocsin apply`` accepts unchanged."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from sqlalchemy import Connection


def export_world(conn: Connection) -> str:
    """The current teams, services (with integrations) and change sources, as YAML."""
    from tocsin.world.catalog_kinds import ChangeSourceKind, IntegrationKind, ServiceKind, TeamKind

    teams = TeamKind().current(conn)
    services = ServiceKind().current(conn)
    integrations = IntegrationKind().current(conn)
    sources = ChangeSourceKind().current(conn)
    doc: dict[str, Any] = {"version": 1}
    doc["teams"] = [_clean({"name": n, **f}) for n, f in sorted(teams.items())]
    doc["services"] = []
    for name, fields in sorted(services.items()):
        entry = _clean({"name": name, **fields})
        entry["integrations"] = [
            _clean({"name": key.split("/", 1)[1], **f})
            for key, f in sorted(integrations.items())
            if key.split("/", 1)[0] == name
        ]
        doc["services"].append(entry)
    doc["change_sources"] = [_clean({"name": n, **f}) for n, f in sorted(sources.items())]
    out = io.StringIO()
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.dump(doc, out)
    return out.getvalue()


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    """Drop internal ids and empty optional values (apply treats absent as the default)."""
    return {k: v for k, v in fields.items() if not k.startswith("_") and v not in (None, "", [])}
