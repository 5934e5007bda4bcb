"""Alertmanager-shaped notifications: a group of labelled alerts, each firing or resolved.

Prometheus Alertmanager's webhook (payload version 4) and Grafana's webhook contact point
(version 1) send the same shape: an envelope (``receiver``, ``groupKey``, ``externalURL``...)
around ``alerts[]``, each alert identified by the ``fingerprint`` of its labels. This module
parses that shape once; ``alertmanager.py`` and ``grafana.py`` only describe, as a
``NotificationFormat``, the version they expect and the extra fields their senders add.

Pure: bytes in, one ``ParsedAlert`` per alert out (or every problem found). The key that
says where the alerts go is not in the body; the HTTP layer resolves it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from tocsin.core.events import Action, AlertEvent, Route, Severity
from tocsin.ingest.fields import Problems, clean_text, decode_json_object, parse_timestamp

MAX_BODY = 5 * 1024 * 1024
MAX_ALERTS = 1000  # per notification; Alertmanager's webhook `max_alerts` can enforce it
MAX_SUMMARY = 1024
MAX_FINGERPRINT = 255  # the dedup key column
MAX_REPORTED_PROBLEMS = 50

# Error codes (the HTTP layer answers 413 for TOO_MANY_ALERTS and 400 for the others).
INVALID_PAYLOAD = "invalid_payload"
UNSUPPORTED_VERSION = "unsupported_version"
TOO_MANY_ALERTS = "too_many_alerts"

# The `severity` label, lower-cased, to Tocsin's four severities. Anything else, or no
# label at all, is DEFAULT_SEVERITY: the default of Alertmanager's own PagerDuty receiver.
_SEVERITY_WORDS = {
    Severity.CRITICAL: "critical crit page emergency emerg alert fatal disaster p1 sev1",
    Severity.ERROR: "error err high major p2 sev2",
    Severity.WARNING: "warning warn ticket medium minor average p3 sev3",
    Severity.INFO: "info informational notice low none debug p4 p5 sev4 sev5",
}
SEVERITY_LABELS: Mapping[str, Severity] = {
    word: severity for severity, words in _SEVERITY_WORDS.items() for word in words.split()
}
DEFAULT_SEVERITY = Severity.ERROR

# Annotations that hold a URL worth a click, and the text of their link.
ANNOTATION_LINKS = (("runbook_url", "Runbook"), ("dashboard", "Dashboard"))

_encode = msgspec.json.Encoder().encode
_ACTIONS = {"firing": Action.TRIGGER, "resolved": Action.RESOLVE}


@dataclass(frozen=True, slots=True)
class NotificationFormat:
    """What one sender's notifications add to the shared shape."""

    name: str  # the sender, in messages: "Alertmanager"
    version: str  # the only payload `version` accepted
    envelope_keys: tuple[str, ...]  # top-level fields kept in each alert's details
    detail_keys: tuple[str, ...]  # alert fields kept as they are in the details
    link_keys: tuple[tuple[str, str], ...]  # alert fields holding a URL, and the link text
    image_keys: tuple[str, ...] = ()  # alert fields holding an image URL
    # Versions other senders use, and what to tell someone who posted one here.
    version_hints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Invalid:
    """A notification that cannot be accepted, with every problem found."""

    code: str
    message: str
    errors: list[str]


class ParsedAlert(msgspec.Struct, frozen=True, gc=False):
    """One alert of a valid notification, before its key is resolved (a struct, like
    ``AlertEvent``: hundreds per notification)."""

    action: Action
    dedup_key: str
    summary: str
    source: str
    severity: Severity
    occurred_at: datetime | None
    labels: dict[str, str]
    custom_details: dict[str, Any]
    links: list[dict[str, str]]
    images: list[dict[str, str]]
    raw: str  # the alert as received, inside its notification's envelope

    def to_event(self, route: Route, received_at: datetime) -> AlertEvent:
        """The internal event for this alert, once the key named ``route``."""
        return AlertEvent(
            route,
            self.action,
            self.dedup_key,
            received_at,
            self.raw,
            self.summary,
            self.source,
            self.severity,
            self.occurred_at,
            custom_details=self.custom_details,
            labels=self.labels,
            links=self.links,
            images=self.images,
        )


@dataclass(frozen=True, slots=True)
class Notification:
    """A valid notification: its alerts in the order they were sent."""

    alerts: list[ParsedAlert]

    def to_events(self, route: Route, received_at: datetime) -> list[AlertEvent]:
        """One event per alert, all for the integration ``route`` names."""
        return [a.to_event(route, received_at) for a in self.alerts]


def parse_notification(body: bytes, fmt: NotificationFormat) -> Notification | Invalid:
    """Validate a notification of ``fmt``, reporting every problem of every alert."""
    invalid = f"{fmt.name} notification is invalid"
    obj = decode_json_object(body)
    if isinstance(obj, str):
        return Invalid(INVALID_PAYLOAD, invalid, [obj])
    version = obj.get("version")
    if version != fmt.version:
        return _wrong_version(fmt, version)
    items = obj.get("alerts")
    if not isinstance(items, list):
        return Invalid(INVALID_PAYLOAD, invalid, ["'alerts' is missing or not an array"])
    if len(items) > MAX_ALERTS:
        message = (
            f"A notification may hold at most {MAX_ALERTS} alerts; this one holds {len(items)}"
        )
        return Invalid(TOO_MANY_ALERTS, message, [message])
    envelope = {k: obj[k] for k in fmt.envelope_keys if k in obj}
    # Each alert's raw form is the envelope with the alert inside: encode the envelope once.
    head = _encode({**envelope, "version": fmt.version}).decode()[:-1] + ',"alert":'
    # JSON can only carry NUL escaped; without one, no string needs cleaning.
    context = _Context(fmt, envelope, head, clean=b"\\u0000" not in body)
    problems = Problems()
    alerts = [_alert(item, i, context, problems) for i, item in enumerate(items)]
    if problems:
        return Invalid(INVALID_PAYLOAD, invalid, _capped(problems.messages))
    return Notification([a for a in alerts if a is not None])


def labels_key(labels: Mapping[str, str]) -> str:
    """A stable dedup key for an alert without a fingerprint: a hash of its label set.

    ``labels:`` + the SHA-256 (hex) of the labels as a JSON array of ``[name, value]``
    pairs sorted by name, UTF-8, without spaces or ASCII escapes.
    """
    pairs = json.dumps(sorted(labels.items()), ensure_ascii=False, separators=(",", ":"))
    return "labels:" + hashlib.sha256(pairs.encode()).hexdigest()


def severity_of(labels: Mapping[str, str]) -> Severity:
    """The severity the ``severity`` label names (see ``SEVERITY_LABELS``)."""
    value = labels.get("severity")
    if value is None:
        return DEFAULT_SEVERITY
    return SEVERITY_LABELS.get(value.strip().lower(), DEFAULT_SEVERITY)


def summary_of(labels: Mapping[str, str], annotations: Mapping[str, str], key: str) -> str:
    """``summary``, else ``description``, else the alert name and instance."""
    text = annotations.get("summary", "").strip() or annotations.get("description", "").strip()
    if not text:
        name = labels.get("alertname") or f"Alert {key}"
        instance = labels.get("instance")
        text = f"{name} on {instance}" if instance else name
    return text if len(text) <= MAX_SUMMARY else text[: MAX_SUMMARY - 1] + "…"


def _wrong_version(fmt: NotificationFormat, version: Any) -> Invalid:
    if isinstance(version, dict | list):
        shown = "an object" if isinstance(version, dict) else "an array"
    else:
        shown = "nothing" if version is None else json.dumps(version)[:40]
    problem = f"'version' must be \"{fmt.version}\" ({fmt.name} webhook payload); got {shown}"
    hint = fmt.version_hints.get(str(version))
    errors = [problem, hint] if hint else [problem]
    return Invalid(UNSUPPORTED_VERSION, problem, errors)


def _capped(messages: list[str]) -> list[str]:
    if len(messages) <= MAX_REPORTED_PROBLEMS:
        return messages
    rest = len(messages) - MAX_REPORTED_PROBLEMS
    return [*messages[:MAX_REPORTED_PROBLEMS], f"... and {rest} more problems"]


@dataclass(frozen=True, slots=True)
class _Context:
    """What every alert of one notification shares."""

    fmt: NotificationFormat
    envelope: dict[str, Any]
    raw_head: str  # the raw form of an alert, up to the alert itself
    clean: bool  # no string in the body holds a NUL


def _alert(item: Any, index: int, context: _Context, problems: Problems) -> ParsedAlert | None:
    # The hot path of grouped notifications (hundreds of alerts each): field paths for
    # messages are only built when there is a problem to report.
    if not isinstance(item, dict):
        problems.add(f"'alerts[{index}]' must be an object")
        return None
    before = len(problems.messages)
    status = item.get("status")
    action = _ACTIONS.get(status) if isinstance(status, str) else None
    if action is None:
        problems.add(f"'alerts[{index}].status' must be one of firing, resolved")
    fmt, envelope = context.fmt, context.envelope
    labels = _string_map(item, "labels", index, context, problems, required=True)
    annotations = _string_map(item, "annotations", index, context, problems, required=False)
    fingerprint = _text(item, "fingerprint", index, problems, MAX_FINGERPRINT)
    started = _timestamp(item, "startsAt", index, problems)
    links = [
        {"href": annotations[key].strip(), "text": text}
        for key, text in ANNOTATION_LINKS
        if key in annotations and annotations[key].strip()
    ]
    for key, text in fmt.link_keys:
        url = _url(item, key, index, problems)
        if url:
            links.append({"href": url, "text": text})
    images = []
    for key in fmt.image_keys:
        url = _url(item, key, index, problems)
        if url:
            images.append({"src": url})
    if len(problems.messages) > before or action is None:
        return None
    key = fingerprint.strip() if fingerprint and fingerprint.strip() else labels_key(labels)
    details: dict[str, Any] = {"annotations": annotations}
    for name in fmt.detail_keys:
        if name in item:
            details[name] = item[name]
    details.update(envelope)
    return ParsedAlert(
        action,
        key,
        summary_of(labels, annotations, key),
        _source(labels, envelope, fmt),
        severity_of(labels),
        started,
        labels,
        details,
        links,
        images,
        context.raw_head + _encode(item).decode() + "}",
    )


def _string_map(
    item: dict[str, Any],
    name: str,
    index: int,
    context: _Context,
    problems: Problems,
    *,
    required: bool,
) -> dict[str, str]:
    value = item.get(name)
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        problems.add(f"'alerts[{index}].{name}' is missing or not an object")
        return {}
    if context.clean and all(type(text) is str for text in value.values()):
        return value  # freshly decoded and already what we want: no copy
    result: dict[str, str] = {}
    for key, text in value.items():
        if type(text) is not str:
            problems.add(f"'alerts[{index}].{name}.{key}' must be a string")
            continue
        result[clean_text(key)] = clean_text(text)
    return result


def _text(
    item: dict[str, Any], name: str, index: int, problems: Problems, max_length: int = 0
) -> str | None:
    """An optional string field, at most ``max_length`` characters if that is not 0."""
    value = item.get(name)
    if value is None:
        return None
    if type(value) is not str:
        problems.add(f"'alerts[{index}].{name}' must be a string")
        return None
    if max_length and len(value) > max_length:
        problems.add(f"'alerts[{index}].{name}' must be at most {max_length} characters")
        return None
    return clean_text(value)


def _timestamp(item: dict[str, Any], name: str, index: int, problems: Problems) -> datetime | None:
    """The alert's time, or None when it is Alertmanager's zero time (year 1: not set)."""
    text = _text(item, name, index, problems)
    if text is None or text.strip().startswith("0001-"):
        return None
    parsed = parse_timestamp(text)
    if isinstance(parsed, str):
        problems.add(f"'alerts[{index}].{name}' {parsed}")
        return None
    return parsed


def _url(item: dict[str, Any], name: str, index: int, problems: Problems) -> str | None:
    """A non-blank URL field, stripped (Grafana sends "" for unset ones)."""
    url = _text(item, name, index, problems)
    return url.strip() or None if url else None


def _source(labels: dict[str, str], envelope: dict[str, Any], fmt: NotificationFormat) -> str:
    external = envelope.get("externalURL")
    external = external.strip() if isinstance(external, str) else ""
    return labels.get("instance") or labels.get("job") or external or fmt.name
