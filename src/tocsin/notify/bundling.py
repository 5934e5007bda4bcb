"""Bundling and rate limits: what an alert storm may send one person, as pure rules.

Before a worker sends what it claimed, it plans (``plan``) with what was sent lately:

- **Bundling.** One destination (a user's contact method) gets at most one page per
  ``bundle_window`` (zero: no bundling, every page its own message). Pages for it that
  come due inside the window wait for its end and then go out together as one message
  (``bundle_message``), so ten incidents opening in a storm are one page saying "10
  pages", not ten phone buzzes. The first page is
  never held: a quiet destination is paged at once.
- **Rate limit.** One user gets at most ``max_messages`` messages per ``per`` over all
  their contact methods. Past that, their pages wait until the oldest message leaves the
  window (and then go out bundled).

Only pages are bundled and limited; on-call notices and test pages go out as they are.
GoAlert's message engine (bundling, throttling as functions over pending messages) is
the model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tocsin.core.durations import format_duration

PAGE = "tocsin.page"
BUNDLE = "tocsin.page_bundle"
MAX_LISTED = 20  # pages listed in a bundle's text; the rest are counted


class Pending(Protocol):
    """A claimed delivery as this module needs it."""

    @property
    def id(self) -> str: ...
    @property
    def key(self) -> str: ...
    @property
    def user(self) -> str: ...
    @property
    def method_type(self) -> str: ...
    @property
    def address(self) -> str: ...
    @property
    def message(self) -> Mapping[str, Any]: ...


Destination = tuple[str, str, str]  # user, contact method type, address


def destination(p: Pending) -> Destination:
    return (p.user, p.method_type, p.address)


@dataclass(frozen=True, slots=True)
class Limits:
    bundle_window: timedelta  # zero: no bundling
    max_messages: int  # per user, per ``per``
    per: timedelta


@dataclass(frozen=True, slots=True)
class Sent:
    """A message sent lately (a bundle counts once): to whom, and when."""

    destination: Destination
    at: datetime


@dataclass
class Plan:
    """What to send now (each group one message) and what waits until when, and why."""

    sends: list[list[Any]] = field(default_factory=list)
    waits: list[tuple[Any, datetime, str]] = field(default_factory=list)


def plan(claimed: Sequence[Pending], recent: Sequence[Sent], now: datetime, limits: Limits) -> Plan:
    """Group ``claimed`` by destination and decide, with the ``recent`` messages, which
    groups go out now and which wait. Groups keep the order they were claimed in."""
    result = Plan()
    # Without a bundling window each page is its own message (still rate-limited).
    groups: dict[tuple[Destination, str], list[Pending]] = {}
    for p in claimed:
        if p.message.get("type") != PAGE:
            result.sends.append([p])
        else:
            alone = "" if limits.bundle_window else p.id
            groups.setdefault((destination(p), alone), []).append(p)
    last: dict[Destination, datetime] = {}
    by_user: dict[str, list[datetime]] = {}
    for s in recent:
        last[s.destination] = max(s.at, last.get(s.destination, s.at))
        if s.at > now - limits.per:
            by_user.setdefault(s.destination[0], []).append(s.at)
    for (dest, _), group in groups.items():
        quiet_from = last[dest] + limits.bundle_window if dest in last else now
        sent_to_user = sorted(by_user.get(dest[0], []))
        if quiet_from > now:
            result.waits += [(p, quiet_from, _bundled(last[dest])) for p in group]
        elif len(sent_to_user) >= limits.max_messages:
            free_at = sent_to_user[-limits.max_messages] + limits.per
            result.waits += [(p, free_at, _limited(limits)) for p in group]
        else:
            result.sends.append(group)
            by_user.setdefault(dest[0], []).append(now)
    return result


def _bundled(last: datetime) -> str:
    return f"bundled: this contact method was paged at {last.isoformat(timespec='seconds')}"


def _limited(limits: Limits) -> str:
    return (
        f"rate limit: {limits.max_messages} messages to this user per {format_duration(limits.per)}"
    )


def bundle_key(keys: Sequence[str]) -> str:
    """The idempotency key of a bundle: the same pages make the same key."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return f"bundle/{digest}"


def bundle_message(pages: Sequence[Mapping[str, Any]], keys: Sequence[str]) -> dict[str, Any]:
    """One message for several pages to one destination: each page in ``pages`` (as it
    would have been sent, with its own key and links), and a title and text every
    channel can show (``notice_email``)."""
    first = pages[0]["incident"]
    more = len(pages) - 1
    title = f"{len(pages)} pages: {first['title']} ({first['service']}) and {more} more"
    lines = []
    for page in pages[:MAX_LISTED]:
        incident = page["incident"]
        lines.append(
            f"[{str(incident['severity']).upper()}] {incident['title']} ({incident['service']})"
        )
        lines += [
            f"  {action.capitalize()}: {url}" for action, url in (page.get("links") or {}).items()
        ]
    if len(pages) > MAX_LISTED:
        lines.append(f"... and {len(pages) - MAX_LISTED} more")
    urgent = any(p.get("urgency") == "high" for p in pages)
    return {
        "type": BUNDLE,
        "title": title,
        "text": "\n".join(lines),
        "urgency": "high" if urgent else "low",
        "count": len(pages),
        "pages": [{**page, "idempotency_key": key} for page, key in zip(pages, keys, strict=True)],
    }
