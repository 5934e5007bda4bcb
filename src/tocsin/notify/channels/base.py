"""What every channel shares: the contact method it reaches, its interface, its errors."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ContactMethod:
    """One way to reach one user: ``type`` (``email``, ``webhook``...) and ``address``;
    ``secret``: where the method's signing secret is (``env:NAME``, ``file:/path``)."""

    user: str
    type: str
    address: str
    secret: str | None = None


class Channel(Protocol):
    """A way to deliver messages to a contact method of one ``type``.

    Delivery is synchronous (call it from a thread in async code) and either returns
    once the peer has accepted the message or raises a ``ChannelError``.
    """

    type: str

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """Deliver a verification ``code`` to ``method``."""
        ...

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """Deliver a page (``message``: see ``notify.message``) carrying its idempotency
        ``key``, so a receiver can drop a repeat."""
        ...


class ChannelError(Exception):
    """A message could not be delivered; ``message`` says why, for the person asking."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ChannelNotConfigured(ChannelError):
    """This kind of channel cannot send: not built yet, or its settings are missing."""


class InvalidAddress(ChannelError):
    """The contact method's address is not one this channel can deliver to."""


class PermanentFailure(ChannelError):
    """The peer answered and refused for good (HTTP 401, 404, 410; an SMTP 5xx for the
    recipient): retrying cannot help; the contact method shows it until a success."""


class DeliveryFailed(ChannelError):
    """The peer (SMTP server, webhook receiver) refused the message or did not answer."""
