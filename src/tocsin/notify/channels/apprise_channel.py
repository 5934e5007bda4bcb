"""Apprise: one channel for the breadth of chat, SMS, voice and push services (Teams,
Telegram, ntfy, Discord, Pushover, Mattermost, Matrix, Twilio ...), each named by an
Apprise URL (https://github.com/caronc/apprise/wiki).

Apprise URLs carry the service's tokens, so an ``apprise`` contact method's address
should not hold one in the world file: write ``env:NAME`` (the URL is read from that
environment variable of the Tocsin process) or ``file:/path`` (read from that file,
e.g. a mounted secret); a literal URL works too, for services that need no secret.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import apprise

from tocsin.notify.channels.base import ContactMethod, DeliveryFailed, InvalidAddress
from tocsin.notify.channels.email import page_email
from tocsin.notify.channels.secrets import is_reference, read_secret


def resolve_address(address: str) -> str:
    """The Apprise URL an address stands for (``env:NAME``, ``file:/path`` or itself)."""
    return read_secret(address, "an Apprise URL") if is_reference(address) else address


def _notify(address: str, title: str, body: str) -> None:
    url = resolve_address(address)
    sender = apprise.Apprise()
    if not sender.add(url):
        # Never echo the URL itself: it may hold a token.
        raise InvalidAddress("not an Apprise URL of a service Apprise knows")
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        delivered = sender.notify(title=title, body=body, body_format=apprise.NotifyFormat.TEXT)
    if not delivered:
        said = captured.getvalue().strip().splitlines()
        raise DeliveryFailed(
            f"Apprise could not deliver: {said[-1] if said else 'no reason given'}"
        )


class AppriseChannel:
    """Delivers to ``apprise`` contact methods through the Apprise library."""

    type = "apprise"

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """Send the code as a notification."""
        _notify(
            method.address, "Tocsin verification code", f"Your Tocsin verification code is {code}."
        )

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """Send the page or notice (the email's text: facts and links) ending with the key."""
        title, body = page_email(message)
        _notify(method.address, title, f"{body}Key: {key}\n")
