"""Creating, listing, previewing and expiring silences (behind the API and the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import Connection, insert, select, update

from tocsin.core.matchers import Matcher, match_all
from tocsin.ids import new_id
from tocsin.inputs import MAX_NAME, check_instant
from tocsin.store.schema import alerts, services, silences


class SilenceOut(BaseModel):
    """A silence as stored."""

    id: str
    matchers: list[str]
    services: list[str] = Field(description="service names; empty = every service")
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str
    created_at: datetime
    active: bool


class MatchedAlert(BaseModel):
    """An open alert a silence would hold."""

    id: str
    service: str
    dedup_key: str
    summary: str
    labels: dict[str, str]


class SilenceError(ValueError):
    """A silence that cannot be created (bad matcher, unknown service, bad times)."""


def parse_matchers(texts: Sequence[str]) -> tuple[Matcher, ...]:
    """Matchers from ``name=value`` strings; SilenceError naming the bad one."""
    if not texts:
        raise SilenceError("a silence needs at least one matcher, e.g. alertname=DiskFull")
    parsed = []
    for index, text in enumerate(texts):
        try:
            parsed.append(Matcher.parse(text))
        except ValueError as exc:
            raise SilenceError(f"matchers[{index}]: {exc}") from exc
    return tuple(parsed)


def _service_ids(conn: Connection, names: Sequence[str]) -> dict[str, str]:
    query = select(services.c.name, services.c.id).where(services.c.name.in_(names))
    found = {name: sid for name, sid in conn.execute(query)}
    missing = sorted(set(names) - set(found))
    if missing:
        raise SilenceError(f"unknown service(s): {', '.join(missing)}")
    return found


def matching_open_alerts(
    conn: Connection, matchers: Sequence[Matcher], service_names: Sequence[str], limit: int = 200
) -> list[MatchedAlert]:
    """The open alerts these matchers (and services) would hold: the dry run."""
    wanted = set(_service_ids(conn, service_names).values()) if service_names else None
    query = (
        select(
            alerts.c.id,
            alerts.c.service_id,
            services.c.name,
            alerts.c.dedup_key,
            alerts.c.summary,
            alerts.c.labels,
        )
        .join(services, services.c.id == alerts.c.service_id)
        .where(alerts.c.status != "resolved")
        .order_by(alerts.c.id.desc())
    )
    out = []
    for aid, sid, service, key, summary, labels in conn.execute(query):
        if (wanted is None or sid in wanted) and match_all(matchers, labels or {}):
            out.append(
                MatchedAlert(
                    id=aid, service=service, dedup_key=key, summary=summary, labels=labels or {}
                )
            )
            if len(out) >= limit:
                break
    return out


def create_silence(
    conn: Connection,
    *,
    matchers: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    created_by: str,
    comment: str,
    service_names: Sequence[str],
    now: datetime,
) -> SilenceOut:
    """Store a silence after validating it (matchers, services, start before end)."""
    parse_matchers(matchers)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        try:
            check_instant(value)
        except ValueError as exc:
            raise SilenceError(f"{name} {exc}") from None
    if len(created_by) > MAX_NAME:
        raise SilenceError(f"created_by must be at most {MAX_NAME} characters")
    if ends_at <= starts_at:
        raise SilenceError("ends_at must be after starts_at")
    if ends_at <= now:
        raise SilenceError("the silence would already be over")
    if not created_by.strip():
        raise SilenceError("created_by must say who silences (a name or an email)")
    ids = _service_ids(conn, service_names) if service_names else {}
    silence_id = new_id(now)
    conn.execute(
        insert(silences).values(
            id=silence_id,
            matchers=list(matchers),
            service_ids=sorted(ids.values()),
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=created_by.strip(),
            comment=comment,
            created_at=now,
        )
    )
    found = get_silence(conn, silence_id, now)
    assert found is not None
    return found


def list_silences(
    conn: Connection, now: datetime, *, include_expired: bool = False
) -> list[SilenceOut]:
    """Silences, newest first; only those not yet over unless ``include_expired``."""
    query = select(silences).order_by(silences.c.id.desc())
    if not include_expired:
        query = query.where(silences.c.ends_at > now)
    return [_out(conn, row, now) for row in conn.execute(query)]


def get_silence(conn: Connection, silence_id: str, now: datetime) -> SilenceOut | None:
    """One silence by id."""
    row = conn.execute(select(silences).where(silences.c.id == silence_id)).first()
    return _out(conn, row, now) if row is not None else None


def expire_silence(conn: Connection, silence_id: str, now: datetime) -> SilenceOut | None:
    """End a silence now (it stays listed as expired); None when there is no such silence."""
    conn.execute(
        update(silences)
        .where(silences.c.id == silence_id, silences.c.ends_at > now)
        .values(ends_at=now)
    )
    return get_silence(conn, silence_id, now)


def _out(conn: Connection, row: object, now: datetime) -> SilenceOut:
    m = row._mapping  # type: ignore[attr-defined]
    names = {
        sid: name
        for sid, name in conn.execute(
            select(services.c.id, services.c.name).where(services.c.id.in_(m["service_ids"] or []))
        )
    }
    return SilenceOut(
        id=m["id"],
        matchers=list(m["matchers"]),
        services=sorted(names.get(s, s) for s in m["service_ids"] or []),
        starts_at=m["starts_at"],
        ends_at=m["ends_at"],
        created_by=m["created_by"],
        comment=m["comment"],
        created_at=m["created_at"],
        active=m["starts_at"] <= now < m["ends_at"],
    )
