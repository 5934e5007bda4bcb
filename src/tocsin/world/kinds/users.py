"""Users: ``users:`` in the world file, the ``users`` table.

A user is named by a short handle (``alice``) that schedules and teams refer to, and
carries the ways to reach them (plus a secret feed token for their own on-call calendar,
generated on create). Deleting a user deletes the row; the reference checks refuse it
while a team or schedule still names them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)
from sqlalchemy import Connection

from tocsin.core.durations import format_duration, parse_duration
from tocsin.ids import new_secret
from tocsin.inputs import MAX_NAME
from tocsin.notify.channels.secrets import is_reference
from tocsin.notify.contacts.service import forget_unlisted
from tocsin.schedules.definition import TimeZone
from tocsin.store.schema import users
from tocsin.world.kind import TableKind
from tocsin.world.plan import Change
from tocsin.world.records import FieldSpec, Ids
from tocsin.world.spec import NamedSpec, Spec

ContactType = Literal["email", "sms", "voice", "slack", "webhook", "push", "apprise"]


def _email(value: str) -> str:
    if value and ("@" not in value or value != value.strip()):
        raise ValueError("must be an email address")
    return value


def _address(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _secret_reference(value: str) -> str:
    if not is_reference(value):
        raise ValueError(
            "must say where the secret is, env:NAME or file:/path; a secret is never "
            "written in the world file"
        )
    return value


Address = Annotated[str, AfterValidator(_address)]
# Types whose address names the provider, so a second address is a second provider
# (email's second relay is a setting: TOCSIN_SMTP_FALLBACK_*).
FALLBACK_TYPES = ("webhook", "slack", "apprise")


class ContactMethodSpec(Spec):
    """One way to reach a user: ``{type: sms, address: "+4915..."}``; a webhook may have
    a signing ``secret`` (``env:NAME`` or ``file:/path``); a webhook, Slack or Apprise
    method may list ``fallback`` addresses, tried in order when the address fails."""

    type: ContactType
    address: Address
    secret: Annotated[str, AfterValidator(_secret_reference)] | None = None
    fallback: Annotated[list[Address], Field(max_length=4)] | None = None

    @model_validator(mode="after")
    def _secret_for_webhooks(self) -> ContactMethodSpec:
        if self.secret is not None and self.type != "webhook":
            raise ValueError("only webhook contact methods take a signing secret")
        if self.fallback and self.type not in FALLBACK_TYPES:
            raise ValueError(
                f"only {', '.join(FALLBACK_TYPES)} contact methods take fallback addresses"
                " (email: set TOCSIN_SMTP_FALLBACK_HOST)"
            )
        if self.fallback and self.address in self.fallback:
            raise ValueError("a fallback address must differ from the address")
        return self

    @model_serializer(mode="wrap")
    def _without_absent_fields(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if isinstance(dumped, dict):
            for optional in ("secret", "fallback"):
                if not dumped.get(optional):
                    dumped.pop(optional, None)
        return dumped


MAX_RULE_DELAY = timedelta(hours=24)


def _after(value: str) -> str:
    """``120s`` → ``2m``: how long after a level pages them this rule sends."""
    length = parse_duration(value)
    if length < timedelta(0) or length > MAX_RULE_DELAY:
        raise ValueError("must be between 0s and 24h")
    return format_duration(length)


class RuleSpec(Spec):
    """One step of a user's notification rules: ``{after: 2m, via: sms}`` sends to each of
    their contact methods of that type this long after a level pages them."""

    after: Annotated[str, AfterValidator(_after)] = "0s"
    via: ContactType


Rules = Annotated[list[RuleSpec], Field(max_length=20)]


class NotificationRulesSpec(Spec):
    """How to reach a user, by the page's urgency (critical and error alerts are high)."""

    high: Rules = Field(default_factory=list)
    low: Rules = Field(default_factory=list)

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        dumped = handler(self)
        if isinstance(dumped, dict):
            return {k: v for k, v in dumped.items() if v}
        return dumped


class UserSpec(NamedSpec):
    """A user, as written under ``users:``."""

    full_name: Annotated[str, Field(max_length=MAX_NAME)] = ""
    email: Annotated[str, Field(max_length=320), AfterValidator(_email)] = ""  # RFC 5321
    time_zone: TimeZone = "UTC"
    contact_methods: list[ContactMethodSpec] = Field(default_factory=list)
    notification_rules: NotificationRulesSpec = Field(default_factory=NotificationRulesSpec)

    @model_validator(mode="after")
    def _rules_use_their_methods(self) -> UserSpec:
        types = {m.type for m in self.contact_methods}
        for urgency in ("high", "low"):
            for rule in getattr(self.notification_rules, urgency):
                if rule.via not in types:
                    raise ValueError(
                        f"notification_rules.{urgency}: {self.name} has no {rule.via} contact "
                        "method to send through"
                    )
        return self


class Users(TableKind):
    """People who go on call, and how to reach them."""

    name = "user"
    section = "users"
    spec = UserSpec
    table = users
    fields = (
        FieldSpec("full_name"),
        FieldSpec("email"),
        FieldSpec("time_zone"),
        FieldSpec("contact_methods"),
        FieldSpec("notification_rules"),
    )
    delete_note = "deleted"

    def columns(self, change: Change, ids: Ids) -> dict[str, Any]:
        """Name and fields, contact methods as a JSON list; a new user gets a feed token."""
        values = {"name": change.key[0], **{f.name: change.values[f.name] for f in self.fields}}
        return with_feed_token(change, values)

    def update(self, conn: Connection, change: Change, ids: Ids, now: datetime) -> None:
        """Rewrite the user; an address edited out loses its verification."""
        super().update(conn, change, ids, now)
        methods = change.values["contact_methods"] or []
        assert change.row_id is not None
        forget_unlisted(conn, change.row_id, {(m["type"], m["address"]) for m in methods})


def with_feed_token(change: Change, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus a new secret calendar feed token when ``change`` creates the object.

    Updates leave the token alone, so a subscribed calendar keeps working.
    """
    return {**values, "feed_token": new_secret()} if change.action == "create" else values
