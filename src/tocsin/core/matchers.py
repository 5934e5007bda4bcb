"""Label matchers, with Prometheus Alertmanager's semantics.

``name=value``, ``name!=value``, ``name=~regex``, ``name!~regex``. Regexes are anchored
at both ends; a label an alert does not have matches as the empty string (so
``team!=ops`` matches alerts without a ``team`` label, as in Alertmanager).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

_SYNTAX = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.:/-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


class Op(StrEnum):
    """How a matcher compares."""

    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"


@dataclass(frozen=True, slots=True)
class Matcher:
    """One condition on one label."""

    name: str
    op: Op
    value: str
    _pattern: re.Pattern[str] | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, name: str, op: Op | str, value: str) -> Matcher:
        """A matcher; ValueError for a regex that does not compile."""
        op = Op(op)
        pattern = None
        if op in (Op.REGEX, Op.NOT_REGEX):
            try:
                pattern = re.compile(f"(?:{value})\\Z")
            except re.error as exc:
                raise ValueError(f"invalid regex {value!r} for {name}: {exc}") from exc
            except (RecursionError, OverflowError):  # nested too deeply, or too large
                raise ValueError(f"regex for {name} is too complex to compile") from None
        return cls(name, op, value, pattern)

    @classmethod
    def parse(cls, text: str) -> Matcher:
        """Parse ``name=value`` (and ``!=``, ``=~``, ``!~``); quotes around the value are
        optional. ValueError with a readable message when it is not a matcher."""
        found = _SYNTAX.match(text)
        if found is None:
            raise ValueError(f"{text!r} is not a matcher like name=value, name!=value, name=~re")
        name, op, value = found.groups()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        return cls.of(name, op, value)

    def matches(self, labels: Mapping[str, str]) -> bool:
        """True when the alert's labels satisfy this matcher."""
        actual = labels.get(self.name, "")
        if self.op is Op.EQUAL:
            return actual == self.value
        if self.op is Op.NOT_EQUAL:
            return actual != self.value
        assert self._pattern is not None
        hit = self._pattern.match(actual) is not None
        return hit if self.op is Op.REGEX else not hit

    def __str__(self) -> str:
        return f'{self.name}{self.op.value}"{self.value}"'


def match_all(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher matches (an empty list matches everything)."""
    return all(m.matches(labels) for m in matchers)
