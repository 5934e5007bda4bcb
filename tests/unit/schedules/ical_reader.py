"""A calendar client that knows no time zone database: it reads times through the feed's
own ``VTIMEZONE``, as RFC 5545 §3.6.5 defines it, and nothing else.

This is how Outlook and other clients that ignore the IANA name see a feed, so tests can
check what they would show. It is written from the RFC, independently of
``tocsin.schedules.vtimezone`` and of icalendar: it parses the text itself and never
consults ``zoneinfo``.

The rules it applies:

- each ``STANDARD``/``DAYLIGHT`` onset (its ``DTSTART`` and any ``RDATE``) is a local
  time in the offset in force before it, ``TZOFFSETFROM``; so the onset in UTC is
  ``DTSTART - TZOFFSETFROM``, and from then on the offset is ``TZOFFSETTO``;
- a local time with a ``TZID`` is the instant ``local - offset`` for the observance in
  force at that instant; a local time that occurs twice (a fall-back overlap) means the
  first occurrence (RFC 5545 §3.3.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Line:
    """One content line: ``NAME;PARAM=VALUE:value``."""

    name: str
    params: dict[str, str]
    value: str


@dataclass
class Component:
    """A ``BEGIN:...``/``END:...`` block with its lines and nested blocks."""

    name: str
    lines: list[Line]
    children: list[Component]

    def values(self, name: str) -> list[Line]:
        """Every line called ``name``, in order."""
        return [line for line in self.lines if line.name == name]

    def one(self, name: str) -> Line:
        """The single line called ``name``."""
        found = self.values(name)
        assert len(found) == 1, f"{self.name} has {len(found)} {name} lines"
        return found[0]

    def walk(self, name: str) -> list[Component]:
        """Every nested block called ``name``, depth first."""
        found = []
        for child in self.children:
            if child.name == name:
                found.append(child)
            found.extend(child.walk(name))
        return found


def parse(text: str) -> Component:
    """The ``VCALENDAR`` in ``text``, unfolded (RFC 5545 §3.1) and split into blocks."""
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    root = Component("ROOT", [], [])
    stack = [root]
    for raw in unfolded.split("\r\n"):
        if not raw:
            continue
        head, _, value = raw.partition(":")
        name, *params = head.split(";")
        if name == "BEGIN":
            block = Component(value, [], [])
            stack[-1].children.append(block)
            stack.append(block)
        elif name == "END":
            assert stack.pop().name == value, f"unbalanced END:{value}"
        else:
            pairs = dict(p.split("=", 1) for p in params)
            stack[-1].lines.append(Line(name, pairs, value))
    assert stack == [root], "unterminated component"
    (calendar,) = root.children
    return calendar


def local_time(value: str) -> datetime:
    """``20270314T020000`` as a naive datetime (no ``Z``: local time)."""
    assert not value.endswith("Z"), f"{value} is UTC, not local time"
    return datetime.strptime(value, "%Y%m%dT%H%M%S")


def utc_offset(value: str) -> timedelta:
    """``-0500``, ``+0530`` or ``+053000`` as a timedelta."""
    sign = -1 if value[0] == "-" else 1
    digits = value[1:]
    hours, minutes = int(digits[0:2]), int(digits[2:4])
    seconds = int(digits[4:6]) if len(digits) == 6 else 0
    return sign * timedelta(hours=hours, minutes=minutes, seconds=seconds)


@dataclass(frozen=True)
class Onset:
    """From ``at`` (UTC) the clock reads UTC + ``offset``; ``kind`` is STANDARD/DAYLIGHT."""

    at: datetime
    offset_before: timedelta
    offset: timedelta
    kind: str
    name: str


class VTimezoneClock:
    """The offset rules of one ``VTIMEZONE``, and local-to-UTC conversion by them."""

    def __init__(self, vtimezone: Component) -> None:
        self.tzid = vtimezone.one("TZID").value
        onsets = []
        for part in vtimezone.children:
            assert part.name in ("STANDARD", "DAYLIGHT"), part.name
            assert not part.values("RRULE"), "this reader expects explicit onsets"
            before = utc_offset(part.one("TZOFFSETFROM").value)
            after = utc_offset(part.one("TZOFFSETTO").value)
            names = part.values("TZNAME")
            name = names[0].value if names else ""
            locals_ = [local_time(part.one("DTSTART").value)]
            for rdate in part.values("RDATE"):
                assert rdate.params.get("VALUE", "DATE-TIME") == "DATE-TIME"
                locals_.extend(local_time(v) for v in rdate.value.split(","))
            for local in locals_:
                at = (local - before).replace(tzinfo=UTC)
                onsets.append(Onset(at, before, after, part.name, name))
        self.onsets = sorted(onsets, key=lambda o: o.at)
        assert self.onsets, f"VTIMEZONE {self.tzid} has no observances"

    def offset_at(self, instant: datetime) -> timedelta:
        """The offset the VTIMEZONE gives for ``instant`` (which must be covered)."""
        assert instant >= self.onsets[0].at, f"{instant} is before the VTIMEZONE starts"
        return [o for o in self.onsets if o.at <= instant][-1].offset

    def to_utc(self, local: datetime) -> datetime:
        """The instant a local reading with this TZID names (first occurrence if two)."""
        candidates = []
        for onset, following in zip(self.onsets, [*self.onsets[1:], None], strict=True):
            instant = (local - onset.offset).replace(tzinfo=UTC)
            if onset.at <= instant and (following is None or instant < following.at):
                candidates.append(instant)
        assert candidates, f"{local} names no instant in VTIMEZONE {self.tzid}"
        return min(candidates)


@dataclass(frozen=True)
class ReadEvent:
    """A ``VEVENT`` as a VTIMEZONE-only client sees it."""

    summary: str
    start: datetime
    end: datetime
    start_text: str


def read_events(text: str) -> list[ReadEvent]:
    """Every event's start and end in UTC, through the calendar's VTIMEZONEs alone."""
    calendar = parse(text)
    clocks = {c.tzid: c for c in map(VTimezoneClock, calendar.walk("VTIMEZONE"))}

    def instant(line: Line) -> datetime:
        if line.value.endswith("Z"):
            assert "TZID" not in line.params
            return datetime.strptime(line.value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        tzid = line.params["TZID"]
        assert tzid in clocks, f"no VTIMEZONE for TZID {tzid}"
        return clocks[tzid].to_utc(local_time(line.value))

    return [
        ReadEvent(
            summary=event.one("SUMMARY").value,
            start=instant(event.one("DTSTART")),
            end=instant(event.one("DTEND")),
            start_text=event.one("DTSTART").value,
        )
        for event in calendar.walk("VEVENT")
    ]


def vtimezone_clock(text: str) -> VTimezoneClock:
    """The one VTIMEZONE of a feed, as offset rules."""
    (vtimezone,) = parse(text).walk("VTIMEZONE")
    return VTimezoneClock(vtimezone)
