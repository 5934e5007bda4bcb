"""Building blocks of the file's pydantic models, shared by every kind.

Models are strict (YAML already gives ints, booleans and strings, so ``tier: "1"`` is a
mistake worth reporting) and forbid unknown fields (so a typo is an error, not a no-op).
Validators raise ``ValueError`` with the message a user reads after the field's path.
An object's own ``name`` follows the one name rule of ``tocsin.inputs``; a field naming
another object (or a link's title) only has to be non-empty and trimmed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated

from pydantic import AfterValidator, ConfigDict

from tocsin.inputs import MAX_ORIGIN_NAME, ROUTING_KEY, TextModel, check_reference
from tocsin.inputs import Name as ObjectName


class Spec(TextModel):
    """Base of every model of the file (no string in it holds a NUL)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _routing_key(value: str) -> str:
    if not ROUTING_KEY.fullmatch(value):
        raise ValueError("must be 16 to 128 letters, digits, '-' or '_'")
    return value


def _url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise ValueError("must be an http:// or https:// URL")
    return value


def one_of(allowed: Iterable[str]) -> Callable[[str], str]:
    """A validator accepting only ``allowed`` (read each time, so late additions count)."""

    def check(value: str) -> str:
        names = sorted(allowed)
        if value not in names:
            raise ValueError(f"must be one of: {', '.join(names)}")
        return value

    return check


def between(low: int, high: int) -> Callable[[int], int]:
    """A validator accepting ``low`` to ``high`` inclusive."""

    def check(value: int) -> int:
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


def at_least(low: int) -> Callable[[int], int]:
    """A validator accepting ``low`` or more."""

    def check(value: int) -> int:
        if value < low:
            raise ValueError(f"must be at least {low}")
        return value

    return check


def _origin_name(value: str) -> str:
    if len(value) > MAX_ORIGIN_NAME:
        raise ValueError(f"must be at most {MAX_ORIGIN_NAME} characters (change events record it)")
    return value


Name = Annotated[str, AfterValidator(check_reference)]
# The name of an integration or change source, which change events record as their origin.
OriginName = Annotated[ObjectName, AfterValidator(_origin_name)]
RoutingKey = Annotated[str, AfterValidator(_routing_key)]
Url = Annotated[str, AfterValidator(_url)]


class Link(Spec):
    """A link shown with the object (runbook, dashboard, logs)."""

    title: Name
    url: Url


class NamedSpec(Spec):
    """An object of the file; its ``name`` is its natural key (within its parent)."""

    name: ObjectName
