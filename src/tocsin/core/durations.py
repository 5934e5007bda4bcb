"""Durations as people write them in configuration: ``90s``, ``5m``, ``2h``, ``1d``, ``1w``."""

from __future__ import annotations

import re
from datetime import timedelta

_PART = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str | int) -> timedelta:
    """``"1h30m"`` → 90 minutes; a bare integer is seconds. ValueError when unreadable,
    or too long for a ``timedelta`` (``99999999999w``)."""
    try:
        return _parse(text)
    except OverflowError:
        raise ValueError(f"{str(text)[:40]!r} is too long a duration") from None


def _parse(text: str | int) -> timedelta:
    if isinstance(text, int):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=text)
    compact = text.strip().lower().replace(" ", "")
    if any(len(number) > 15 for number in re.findall(r"\d+", compact)):
        raise OverflowError  # more seconds than a timedelta holds (and than int() reads)
    if compact.isdigit():
        return timedelta(seconds=int(compact))
    parts = _PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text[:40]!r} is not a duration like 90s, 5m, 2h, 1d or 1h30m")
    total = timedelta()
    for number, unit in parts:
        total += timedelta(**{_UNITS[unit]: int(number)})
    return total


def format_duration(value: timedelta) -> str:
    """The shortest ``parse_duration`` spelling of ``value`` (``7200s`` → ``2h``)."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    out = ""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            out += f"{count}{unit}"
    return out
