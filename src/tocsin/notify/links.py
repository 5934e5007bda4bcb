"""Signed, expiring links that act from a message, no login: acknowledge or resolve an
incident from a page, confirm that a test page arrived.

A link carries its subject (the incident; the test page and contact method), the action,
the user it was sent to and when it expires,
signed with HMAC-SHA256 under this installation's key (made once, kept in the database,
shared by every process). Anything changed in it breaks the signature. Opening a link
shows what it will do; the action happens only when the page's button posts it back,
so mail scanners and chat previews that fetch links never acknowledge anything.
Acting twice is harmless: the second time says the incident was already acknowledged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from tocsin.store.schema import instance_secrets

ACTIONS = ("acknowledge", "resolve", "confirm")
PAGE_ACTIONS = ("acknowledge", "resolve")
LINK_LIFETIME = timedelta(hours=24)
_KEY_NAME = "action_links"


class LinkError(Exception):
    """A link that cannot be used: ``code`` (``bad_link``, ``link_expired``) and why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass(frozen=True, slots=True)
class ActionLink:
    """What a link does: ``action`` on ``subject`` (an incident id for acknowledge and
    resolve; ``<test page id>/<method index>`` for confirm) as ``user``, until ``expires``."""

    subject: str
    action: str  # acknowledge | resolve | confirm
    user: str
    expires: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(link: ActionLink, key: bytes) -> str:
    """The token of ``link``: its fields and their signature, URL-safe."""
    if link.action not in ACTIONS:
        raise ValueError(link.action)
    body = "\n".join(
        (link.subject, link.action, link.user, str(int(link.expires.timestamp())))
    ).encode()
    signature = hmac.new(key, body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(signature)}"


def verify(token: str, key: bytes, now: datetime) -> ActionLink:
    """The link ``token`` carries; LinkError when it was altered or has expired."""
    try:
        body_part, signature_part = token.split(".")
        body, signature = _unb64(body_part), _unb64(signature_part)
    except ValueError:
        raise LinkError("bad_link", "this link is not one Tocsin made") from None
    if (_b64(body), _b64(signature)) != (body_part, signature_part):  # one spelling only
        raise LinkError("bad_link", "this link is not one Tocsin made (or was altered)")
    if not hmac.compare_digest(signature, hmac.new(key, body, hashlib.sha256).digest()):
        raise LinkError("bad_link", "this link is not one Tocsin made (or was altered)")
    subject, action, user, expires_at = body.decode().split("\n")
    expires = datetime.fromtimestamp(int(expires_at), UTC)
    if now >= expires:
        raise LinkError(
            "link_expired",
            f"this link expired at {expires.isoformat()}; open the incident in Tocsin instead",
        )
    return ActionLink(subject, action, user, expires)


def signing_key(engine: Engine, now: datetime) -> bytes:
    """This installation's link key: made by the first process that needs it."""
    with engine.begin() as conn:
        found = conn.execute(
            select(instance_secrets.c.value).where(instance_secrets.c.name == _KEY_NAME)
        ).scalar_one_or_none()
        if found is not None:
            return bytes.fromhex(found)
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(instance_secrets).values(
                    name=_KEY_NAME, value=secrets.token_hex(32), created_at=now
                )
            )
    except IntegrityError:
        pass  # another process made it first: use theirs
    with engine.connect() as conn:
        value = conn.execute(
            select(instance_secrets.c.value).where(instance_secrets.c.name == _KEY_NAME)
        ).scalar_one()
    return bytes.fromhex(value)


@dataclass
class LinkMaker:
    """Makes the ack and resolve links of a page (``base_url``: where users reach Tocsin).

    ``load`` reads (or makes) the key once, at start-up, before the writer runs: the
    writer's transaction must never wait on another connection of this process."""

    engine: Engine
    base_url: str
    _key: bytes | None = None

    def load(self, now: datetime) -> None:
        self._key = signing_key(self.engine, now)

    @property
    def key(self) -> bytes:
        if self._key is None:
            raise RuntimeError("LinkMaker.load() was not called")
        return self._key

    def links(self, incident_id: str, user: str, now: datetime) -> dict[str, str]:
        """The acknowledge and resolve links of a page to ``user``."""
        return {a: self.link(incident_id, a, user, now) for a in PAGE_ACTIONS}

    def link(self, subject: str, action: str, user: str, now: datetime) -> str:
        """One signed link, valid for ``LINK_LIFETIME``."""
        token = sign(ActionLink(subject, action, user, now + LINK_LIFETIME), self.key)
        return f"{self.base_url}/act/{token}"
