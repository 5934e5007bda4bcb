"""Creating, listing, previewing and expiring silences (behind the API and the CLI)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Connection, Row, insert, select, update

from tocsin.alerts.holds import release_held_by
from tocsin.core.matchers import Matcher, match_all
from tocsin.core.paging import DEFAULT_LIMIT, Page
from tocsin.ids import new_id
from tocsin.inputs import MAX_NAME, check_instant
from tocsin.store.keyset import keyset_page
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
    conn: Connection,
    now: datetime,
    *,
    include_expired: bool = False,
    limit: int = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SilenceOut]:
    """A page of silences, newest first; only those not yet over unless ``include_expired``.

    At most two statements whatever the page size: the silences, then their services' names.
    """
    query = select(silences)
    if not include_expired:
        query = query.where(silences.c.ends_at > now)
    page = keyset_page(
        conn, query, [silences.c.id], (str,), limit=limit, cursor=cursor, descending=True
    )
    return Page(_outs(conn, page.items, now), page.next_cursor)


def get_silence(conn: Connection, silence_id: str, now: datetime) -> SilenceOut | None:
    """One silence by id."""
    row = conn.execute(select(silences).where(silences.c.id == silence_id)).first()
    return _outs(conn, [row], now)[0] if row is not None else None


def expire_silence(conn: Connection, silence_id: str, now: datetime) -> SilenceOut | None:
    """End a silence now (it stays listed as expired); None when there is no such silence.

    The alerts it held are released in the same transaction: the next hold sweep pages
    them (or holds them again, if another silence or window covers them).
    """
    conn.execute(
        update(silences)
        .where(silences.c.id == silence_id, silences.c.ends_at > now)
        .values(ends_at=now)
    )
    release_held_by(conn, f"silence:{silence_id}", now)
    return get_silence(conn, silence_id, now)


def _outs(conn: Connection, rows: Sequence[Row[Any]], now: datetime) -> list[SilenceOut]:
    """The read models of ``rows``, their services' names read in one statement."""
    wanted = sorted({sid for row in rows for sid in row.service_ids or []})
    names: dict[str, str] = {}
    if wanted:
        query = select(services.c.id, services.c.name).where(services.c.id.in_(wanted))
        names = {sid: name for sid, name in conn.execute(query)}
    return [
        SilenceOut(
            id=row.id,
            matchers=list(row.matchers),
            services=sorted(names.get(s, s) for s in row.service_ids or []),
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            created_by=row.created_by,
            comment=row.comment,
            created_at=row.created_at,
            active=row.starts_at <= now < row.ends_at,
        )
        for row in rows
    ]
