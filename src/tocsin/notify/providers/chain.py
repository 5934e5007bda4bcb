"""Which providers a delivery may go through, in order, and their names.

A webhook, Slack or Apprise contact method lists its ``address`` and then its
``fallback`` addresses; email goes through ``TOCSIN_SMTP_*`` and then
``TOCSIN_SMTP_FALLBACK_*``. Every provider has a stable name that is never a secret (it
is in logs, the breaker table, metrics): ``webhook:hooks.example.com``,
``webhook:127.0.0.1:9999``, ``slack:hooks.slack.com``, ``smtp:relay-a.example:587``,
``apprise:twilio`` (an Apprise URL's host may be an account id or token: the scheme only).
Providers with the same name (two users' webhooks on one host) share one breaker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from tocsin.notify.channels.base import Channel, ChannelNotConfigured, ContactMethod
from tocsin.notify.channels.email import EmailChannel
from tocsin.notify.channels.registry import channel_for, smtp_relays
from tocsin.notify.channels.secrets import address_of
from tocsin.settings import Settings

ChannelFactory = Callable[[str, Settings], Channel]


@dataclass(frozen=True, slots=True)
class Provider:
    """One way out for a delivery: its name, its channel and what to hand the channel."""

    name: str
    channel: Channel
    method: ContactMethod


def provider_name(method_type: str, address: str) -> str:
    """The non-secret name of the provider ``address`` (a URL or a reference to one)
    reaches: ``type:host[:port]``, ``apprise:scheme``; a reference that cannot be read is
    named as written (``webhook:env:NAME``), since a reference holds no secret."""
    try:
        url = address_of(address, "the address")
    except ChannelNotConfigured:
        return f"{method_type}:{address}"
    parts = urlsplit(url)
    if method_type == "apprise":
        return f"apprise:{parts.scheme or 'invalid'}"
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "invalid"
    return f"{method_type}:{host}" + (f":{port}" if port else "")


def providers_for(
    method: ContactMethod,
    fallback: Sequence[str],
    settings: Settings,
    channels: ChannelFactory = channel_for,
) -> list[Provider]:
    """The providers to try for ``method``, first to last; ChannelNotConfigured when its
    type has no channel (or email has no relay)."""
    if method.type == "email":
        relays = smtp_relays(settings)
        if not relays:
            channels(method.type, settings)  # raises, saying which settings are missing
        return [
            Provider(f"smtp:{relay.host}:{relay.port}", EmailChannel(relay), method)
            for relay in relays
        ]
    channel = channels(method.type, settings)
    addresses = [method.address, *fallback]
    return [
        Provider(
            provider_name(method.type, address),
            channel,
            ContactMethod(method.user, method.type, address, method.secret),
        )
        for address in addresses
    ]
