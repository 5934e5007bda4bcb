"""Secrets a channel needs (an Apprise URL's token, a webhook's signing secret) come from
the environment or a file, never from the world file in clear: ``env:NAME`` and
``file:/path`` name where; they are read when sending, so rotating one needs no apply."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from tocsin.notify.channels.base import ChannelNotConfigured

PREFIXES = ("env:", "file:")


def is_reference(value: str) -> bool:
    """Whether ``value`` names a secret (``env:NAME``, ``file:/path``) rather than holds one."""
    return value.startswith(PREFIXES) and len(value.split(":", 1)[1]) > 0


def read_secret(reference: str, what: str) -> str:
    """The secret ``reference`` names; ChannelNotConfigured saying which when it is missing."""
    if reference.startswith("env:"):
        name = reference[4:]
        value = os.environ.get(name, "").strip()
        if not value:
            raise ChannelNotConfigured(f"environment variable {name} ({what}) is not set")
        return value
    if reference.startswith("file:"):
        path = Path(reference[5:])
        try:
            value = path.read_text().strip()
        except OSError as exc:
            raise ChannelNotConfigured(f"cannot read {what} from {path}: {exc}") from exc
        if not value:
            raise ChannelNotConfigured(f"{path} ({what}) is empty")
        return value
    raise ValueError("not a secret reference: use env:NAME or file:/path")


def address_of(address: str, what: str) -> str:
    """The address to send to: read from where a reference points, or the address itself
    (a Slack webhook URL is a credential: ``env:NAME`` keeps it out of the world file)."""
    return read_secret(address, what) if is_reference(address) else address


def redacted(address: str) -> str:
    """An address as logs, errors and the delivery log show it: a reference as written,
    a URL as its scheme and host only (its path or query may be the credential)."""
    if is_reference(address):
        return address
    parts = urlsplit(address)
    if parts.scheme and parts.netloc:
        host = parts.hostname or ""
        rest = "/…" if (parts.path not in ("", "/") or parts.query) else ""
        return f"{parts.scheme}://{host}{rest}"
    return address
