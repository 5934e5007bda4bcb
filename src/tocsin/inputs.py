"""The rules every input follows, whichever face it comes through: instants, time zones,
names and text.

The REST API's models, the world file's and the ingest parsers all call these functions,
so what one face accepts the others accept too, and nothing a request stores can make a
later read fail:

- An **instant** has a UTC offset (ingest formats whose senders send naive times say so
  and take them as UTC) and lies between ``EARLIEST`` and ``LATEST``: far enough from the
  ends of ``datetime``'s range that converting it to any zone, and adding a turn, a
  duration or the 400 days of a shifts query, stays representable.
- A **duration** (of a silence, a window, a heartbeat's interval, a turn) is at most
  ten years.
- A **time zone** is an IANA name of the tz database (``Europe/Berlin``, ``UTC``).
- A **name** (of a user, team, service, schedule, layer, integration, heartbeat, window,
  change source) starts with a letter or digit and holds only letters, digits and
  ``. _ : @ -``, so it can stand in a URL path (``/api/v1/users/{name}``) or a query
  parameter unescaped, and never reads as a path separator, a query or a fragment.
- **Text** holds no NUL: PostgreSQL cannot store it in a text column.
- **JSON** (an event's body, and so its details) is at most ``MAX_JSON_DEPTH`` levels
  deep: the API's serializer stops at about 250, so deeper details stored by ingest
  made every listing that showed them fail.

Documents stored before a rule existed are read with ``context=STORED``, which relaxes
the rules that only say what may be *written* (names, the instant range, turn lengths,
NUL characters), so an old schedule with a layer called "Weekly primary" still loads;
one that cannot be computed is reported by itself (``schedules.store.computed``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ValidationInfo, field_validator

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
OUT_OF_RANGE = "must be between 1970-01-01T00:00:00Z and 9000-01-01T00:00:00Z"
NEEDS_OFFSET = "needs a UTC offset (Z or +hh:mm), e.g. 2026-11-28T03:00:00Z"

MAX_DURATION = timedelta(days=3650)  # silences, windows, heartbeats, turns, noise rules

MAX_NAME = 200  # the schema's name columns
# Change events record "integration:NAME" or "change_source:NAME" in a 64-character column,
# so those two kinds' names are shorter.
ORIGIN_LENGTH = 64
MAX_ORIGIN_NAME = ORIGIN_LENGTH - len("change_source:")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]*")
NAME_CHARACTERS = "letters, digits and . _ : @ - (starting with a letter or digit)"

# Integration, change source and heartbeat keys (generated ones are 32 hex characters).
ROUTING_KEY = re.compile(r"[A-Za-z0-9_-]{16,128}")

MAX_TIME_ZONE = 64  # the longest IANA name has 32 characters
_TIME_ZONE = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")

MAX_JSON_DEPTH = 100
TOO_DEEP = f"(nested more than {MAX_JSON_DEPTH} levels deep)"

# Validation context for documents read back from the database (see the module docstring).
STORED: Mapping[str, Any] = {"stored": True}


def shown(value: str, limit: int = 40) -> str:
    """``repr(value)``, cut short: error messages must not echo 10,000 characters."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


def check_instant(value: datetime) -> datetime:
    """``value`` when it has a UTC offset and lies in [EARLIEST, LATEST]; ValueError else."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(NEEDS_OFFSET)
    try:
        utc = value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+05:00 is before year 1 in UTC
        raise ValueError(OUT_OF_RANGE) from None
    if not EARLIEST <= utc <= LATEST:
        raise ValueError(OUT_OF_RANGE)
    return value


def parse_instant_text(text: str, *, naive_is_utc: bool = False) -> datetime:
    """An ISO 8601 date-time (with an offset, unless ``naive_is_utc``) in the range.

    ValueError with the reason: not ISO 8601, no offset, or out of range.
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{shown(text)} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None and naive_is_utc:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return check_instant(parsed)
    except ValueError as exc:
        raise ValueError(f"{shown(text)} {exc}") from None


def check_duration(length: timedelta) -> timedelta:
    """``length`` when it is at most ``MAX_DURATION`` (ten years); ValueError otherwise."""
    if length > MAX_DURATION:
        raise ValueError(f"must be at most {MAX_DURATION.days}d (ten years)")
    return length


def check_time_zone(value: str) -> str:
    """``value`` when it names a zone of the IANA tz database; ValueError otherwise."""
    if len(value) <= MAX_TIME_ZONE and _TIME_ZONE.fullmatch(value):
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError, OSError):  # "Europe" is a directory
            pass
    raise ValueError(f"unknown time zone {shown(value)} (an IANA name such as Europe/Berlin)")


def check_reference(value: str) -> str:
    """``value`` when it can name an object elsewhere (or title a link): not empty, no
    spaces around it, at most ``MAX_NAME`` characters. Whether the object exists, or
    whether its own name is a name, is for the caller."""
    if not value:
        raise ValueError("must not be empty")
    if value != value.strip():
        raise ValueError("must not start or end with spaces")
    if len(value) > MAX_NAME:
        raise ValueError(f"must be at most {MAX_NAME} characters")
    return value


def check_name(value: str) -> str:
    """``value`` when it is a name by the one rule (see the module docstring)."""
    check_reference(value)
    if not _NAME.fullmatch(value):
        raise ValueError(f"may hold only {NAME_CHARACTERS}, so it fits in a URL")
    return value


def is_name(value: str) -> bool:
    """True when ``value`` follows the name rule (a cheap check before a lookup)."""
    return len(value) <= MAX_NAME and _NAME.fullmatch(value) is not None


def writing(info: ValidationInfo) -> bool:
    """True unless the document being validated is read back from the database."""
    return not (info.context or {}).get("stored", False)


def check_written_name(value: str, info: ValidationInfo) -> str:
    """``check_name`` for what is written; a stored name only needs to be non-empty."""
    if writing(info):
        return check_name(value)
    if not value:
        raise ValueError("must not be empty")
    return value


def json_too_deep(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when decoded JSON nests lists and objects more than ``limit`` levels deep."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        for child in node.values() if type(node) is dict else node:
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


def capped_json(value: Any, limit: int = MAX_JSON_DEPTH) -> Any:
    """``value`` with whatever lies deeper than ``limit`` levels replaced by ``TOO_DEEP``
    (for JSON stored before ingest refused it; the value itself when it is not too deep)."""
    return _cap(value, limit) if json_too_deep(value, limit) else value


def _cap(value: Any, room: int) -> Any:
    if type(value) is dict:
        return {k: _cap(v, room - 1) for k, v in value.items()} if room > 0 else TOO_DEEP
    if type(value) is list:
        return [_cap(v, room - 1) for v in value] if room > 0 else TOO_DEEP
    return value


def at_most(count: int) -> AfterValidator:
    """A validator for lists: at most ``count`` items when written (reads are not bound:
    what was stored before the bound stays readable)."""

    def check(value: list[Any], info: ValidationInfo) -> list[Any]:
        if writing(info) and len(value) > count:
            raise ValueError(f"at most {count} items (got {len(value)})")
        return value

    return AfterValidator(check)


def nul_in(value: Any, path: str = "") -> str | None:
    """Where in ``value`` (a string, or lists and mappings of them) a NUL is, if anywhere.

    ``""`` for ``value`` itself, ``[2]`` or ``.key`` below it.
    """
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, list | tuple):
        items: Any = ((f"{path}[{i}]", item) for i, item in enumerate(value))
    elif isinstance(value, Mapping):
        items = ((f"{path}.{k}", item) for k, item in value.items())
        if any(isinstance(k, str) and "\x00" in k for k in value):
            return path
    else:
        return None
    for where, item in items:
        found = nul_in(item, where)
        if found is not None:
            return found
    return None


def reject_nul(value: Any) -> Any:
    """``value`` unchanged; ValueError when a string in it holds a NUL character."""
    where = nul_in(value)
    if where is not None:
        inside = f" (at {where.lstrip('.')})" if where else ""
        raise ValueError(f"must not contain the NUL character{inside}")
    return value


class TextModel(BaseModel):
    """A model none of whose strings (in lists and mappings too) holds a NUL: the base of
    the API's request bodies and of the world file's models. (SQLite stored some before
    this rule: documents read back with ``STORED`` are not checked.)"""

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        return reject_nul(value) if writing(info) else value


# Pydantic types: the same rules as annotations for the API's and the world file's models.
Instant = Annotated[datetime, AfterValidator(check_instant)]
# JSON read back for a response: what ingest stored before MAX_JSON_DEPTH is cut to fit.
StoredJson = Annotated[Any, AfterValidator(capped_json)]
TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]
Name = Annotated[str, AfterValidator(check_name)]
