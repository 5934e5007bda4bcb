"""Generic JSON webhooks: any payload, mapped to an alert by JMESPath expressions.

Each ``generic`` integration carries a ``mapping`` (in the world file) that says where in
the sender's JSON the summary, dedup key, severity, action, source, labels, details and
timestamp are. Values for severity and action can be translated through small tables
(``severities``, ``actions``). Pure: bytes and a mapping in, a notification or every
problem out.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from typing import Any

import jmespath
import msgspec
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from pydantic import BaseModel, ConfigDict, Field, field_validator

from tocsin.core.events import Action, Severity
from tocsin.ingest.alert_list import Invalid, Notification, ParsedAlert
from tocsin.ingest.fields import clean_text, decode_json_object, parse_timestamp
from tocsin.inputs import shown

_ACTIONS = {"trigger": Action.TRIGGER, "acknowledge": Action.ACKNOWLEDGE, "resolve": Action.RESOLVE}
_SEVERITIES = {s.value: s for s in Severity}
_json = msgspec.json.Encoder().encode


class GenericMapping(BaseModel):
    """Where a generic payload keeps each alert field (JMESPath expressions)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str = Field(description="required: the alert's one-line summary")
    dedup_key: str | None = Field(default=None, description="default: a hash of the summary")
    severity: str | None = None
    severities: dict[str, str] = Field(default_factory=dict)
    action: str | None = None
    actions: dict[str, str] = Field(default_factory=dict)
    source: str | None = None
    labels: str | None = None
    details: str | None = Field(default="@", description="default: the whole payload")
    timestamp: str | None = None

    @field_validator(
        "summary", "dedup_key", "severity", "action", "source", "labels", "details", "timestamp"
    )
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                compiled(value)
            except JMESPathError as exc:
                raise ValueError(f"not a JMESPath expression: {exc}") from exc
            except RecursionError:
                raise ValueError("a JMESPath expression nested too deeply") from None
        return value

    @field_validator("severities")
    @classmethod
    def _severities(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(v for v in value.values() if v not in _SEVERITIES)
        if bad:
            raise ValueError(f"severities must map to critical, error, warning or info, not {bad}")
        return value

    @field_validator("actions")
    @classmethod
    def _actions(cls, value: dict[str, str]) -> dict[str, str]:
        bad = sorted(v for v in value.values() if v not in _ACTIONS)
        if bad:
            raise ValueError(f"actions must map to trigger, acknowledge or resolve, not {bad}")
        return value


@functools.lru_cache(maxsize=1024)
def compiled(expression: str) -> ParsedResult:
    """A JMESPath expression, compiled once per process."""
    return jmespath.compile(expression)


class _Searcher:
    """Evaluates the mapping's expressions, turning evaluation errors into problems."""

    def __init__(self, payload: Any, problems: list[str]) -> None:
        self.payload, self.problems = payload, problems

    def __call__(self, expression: str | None) -> Any:
        if expression is None:
            return None
        try:
            return compiled(expression).search(self.payload)
        except JMESPathError as exc:  # e.g. a function given null: a payload problem
            self.problems.append(f"{expression!r} failed on this payload: {exc}")
            return None
        except RecursionError:  # to_string() of a payload nested a thousand levels deep
            self.problems.append(f"{expression!r} failed on this payload: nested too deeply")
            return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = value if isinstance(value, str) else _json(value).decode()
    return clean_text(text) if text.strip() else None


def parse(body: bytes, mapping: GenericMapping, default_source: str) -> Notification | Invalid:
    """The one alert a generic payload describes, or why it cannot be read."""
    obj = decode_json_object(body)
    if isinstance(obj, str):
        return Invalid("invalid_payload", "Webhook payload is invalid", [obj])
    return map_payload(obj, mapping, default_source, body.decode("utf-8", "replace"))


def map_payload(
    payload: Mapping[str, Any], mapping: GenericMapping, default_source: str, raw: str
) -> Notification | Invalid:
    """Apply ``mapping`` to a decoded payload."""
    problems: list[str] = []
    _search = _Searcher(payload, problems)
    summary = _text(_search(mapping.summary))
    if summary is None:
        problems.append(f"mapping.summary ({mapping.summary!r}) found no text in the payload")
    action = _translate(
        _search, mapping.action, mapping.actions, _ACTIONS, Action.TRIGGER, problems, "action"
    )
    severity = _translate(
        _search,
        mapping.severity,
        mapping.severities,
        _SEVERITIES,
        Severity.ERROR,
        problems,
        "severity",
    )
    labels_value = _search(mapping.labels) or {}
    if not isinstance(labels_value, dict):
        problems.append(f"mapping.labels ({mapping.labels!r}) must give an object")
        labels_value = {}
    occurred_at = None
    stamp = _text(_search(mapping.timestamp))
    if stamp is not None:
        parsed = parse_timestamp(stamp)
        if isinstance(parsed, str):
            why = "not ISO 8601" if parsed.endswith("ISO 8601 timestamp") else f"which {parsed}"
            problems.append(f"mapping.timestamp ({mapping.timestamp!r}) gave {shown(stamp)}, {why}")
        else:
            occurred_at = parsed
    if problems:
        return Invalid(
            "invalid_payload", "The payload does not fit this integration's mapping", problems
        )
    assert summary is not None
    key = _text(_search(mapping.dedup_key))
    if key is None:
        key = "summary:" + hashlib.sha256(summary.encode()).hexdigest()[:32]
    alert = ParsedAlert(
        action=action,
        dedup_key=key[:255],
        summary=summary[:1024],
        source=_text(_search(mapping.source)) or default_source,
        severity=severity,
        occurred_at=occurred_at,
        labels={str(k): t for k, v in labels_value.items() if (t := _text(v)) is not None},
        custom_details=_search(mapping.details),
        links=[],
        images=[],
        raw=raw,
    )
    return Notification([alert])


def _translate(
    search: _Searcher,
    expression: str | None,
    table: Mapping[str, str],
    known: Mapping[str, Any],
    default: Any,
    problems: list[str],
    name: str,
) -> Any:
    """Search, translate through ``table`` (case-insensitively), and check the result."""
    value = _text(search(expression))
    if value is None:
        return default
    lowered = {k.lower(): v for k, v in table.items()}
    translated = lowered.get(value.lower(), value.lower())
    if translated not in known:
        problems.append(
            f"mapping.{name} ({expression!r}) gave {value!r}: add it to mapping.{name}s "
            f"or send one of {', '.join(known)}"
        )
        return default
    return known[translated]
