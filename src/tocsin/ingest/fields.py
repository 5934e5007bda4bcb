"""Small validators shared by the ingest formats: they collect errors instead of raising."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from tocsin.inputs import MAX_JSON_DEPTH, OUT_OF_RANGE, check_instant, json_too_deep

_decode = msgspec.json.Decoder().decode


class Problems:
    """Collects every validation problem of one payload, so the sender sees all at once."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        self.messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.messages)


def decode_json_object(body: bytes) -> dict[str, Any] | str:
    """The body as a JSON object, or a message saying why it is not one.

    Malformed JSON, invalid UTF-8, lone surrogates and nesting deeper than any input may
    (``tocsin.inputs.MAX_JSON_DEPTH``) all come back as messages, never as exceptions.
    """
    try:
        obj = _decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        return f"Malformed JSON: {exc}"
    except RecursionError:
        return "Malformed JSON: nested too deeply"
    if not isinstance(obj, dict):
        return "Event must be a JSON object"
    # Fewer brackets than levels allowed: no need to look (the usual, small event).
    if body.count(b"{") + body.count(b"[") > MAX_JSON_DEPTH and json_too_deep(obj):
        return f"JSON nested more than {MAX_JSON_DEPTH} levels deep"
    return obj


def clean_text(value: str) -> str:
    """Text safe for every database: NUL is not storable in PostgreSQL text."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def text_field(
    obj: dict[str, Any],
    name: str,
    path: str,
    problems: Problems,
    *,
    required: bool = False,
    max_length: int | None = None,
) -> str | None:
    """A string field: present and non-blank if required, at most ``max_length`` characters."""
    value = obj.get(name)
    if value is None:
        if required:
            problems.add(f"'{path}' is missing or blank")
        return None
    if not isinstance(value, str):
        problems.add(f"'{path}' must be a string")
        return None
    if required and not value.strip():
        problems.add(f"'{path}' is missing or blank")
        return None
    if max_length is not None and len(value) > max_length:
        problems.add(f"'{path}' must be at most {max_length} characters")
        return None
    return clean_text(value)


def parse_timestamp(value: str) -> datetime | str:
    """An ISO 8601 timestamp as an aware UTC datetime, or what is wrong with it.

    Lenient where real senders are sloppy: the official PagerDuty client sends
    ``2026-01-01T00:00:00+00:00Z`` (an offset *and* a Z); a naive time is taken as UTC.
    The instant must lie in the range every input keeps to (``tocsin.inputs``).
    """
    text = value.strip()
    if text.endswith("Z") and ("+" in text[10:] or "-" in text[10:]):
        text = text[:-1]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return "must be an ISO 8601 timestamp"
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return check_instant(parsed).astimezone(UTC)
    except ValueError:
        return OUT_OF_RANGE


def timestamp_field(
    obj: dict[str, Any], name: str, path: str, problems: Problems
) -> datetime | None:
    """An optional ISO 8601 timestamp field."""
    raw = text_field(obj, name, path, problems)
    if raw is None:
        return None
    parsed = parse_timestamp(raw)
    if isinstance(parsed, str):
        problems.add(f"'{path}' {parsed}")
        return None
    return parsed


def link_list(
    obj: dict[str, Any], name: str, path: str, problems: Problems, *, url_key: str
) -> list[dict[str, str]]:
    """A list of objects with a required URL (``href`` or ``src``) and optional strings."""
    value = obj.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        problems.add(f"'{path}' must be an array")
        return []
    items: list[dict[str, str]] = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        if not isinstance(item, dict):
            problems.add(f"'{where}' must be an object")
            continue
        if not isinstance(item.get(url_key), str) or not item[url_key].strip():
            problems.add(f"'{where}.{url_key}' is missing or blank")
            continue
        entry = {
            k: clean_text(v) for k, v in item.items() if isinstance(k, str) and isinstance(v, str)
        }
        items.append(entry)
    return items
