"""Webhooks: an HTTP POST of a JSON body to the contact method's URL (httpx)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from tocsin.notify.channels.base import (
    ContactMethod,
    DeliveryFailed,
    InvalidAddress,
    PermanentFailure,
)
from tocsin.notify.channels.secrets import address_of, read_secret, redacted

_json = msgspec.json.Encoder().encode

WEBHOOK_TIMEOUT_SECONDS = 5.0
# Answers that say the address itself is wrong (bad request, no credential, gone):
# retrying the same request cannot help. 408, 429 and 5xx may pass.
PERMANENT_STATUSES = frozenset({400, 401, 403, 404, 410})


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The TLS settings of every webhook request, made once as httpx makes them by
    default (certifi's CAs, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR``): made per request,
    loading the CA bundle cost milliseconds of CPU each, and held the GIL against the
    writer's thread (docs/benchmarks.md, escalation timers)."""
    return httpx.create_ssl_context()


def post_json(
    url: str,
    body: Mapping[str, Any],
    *,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    headers: Mapping[str, str] | None = None,
) -> None:
    """POST ``body`` as JSON to ``url``; any 2xx is delivered, anything else raises."""
    post_body(
        url,
        _json(body),
        timeout=timeout,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def post_body(
    url: str,
    body: bytes,
    *,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    headers: Mapping[str, str] | None = None,
) -> None:
    """POST the bytes ``body`` to ``url``; any 2xx is delivered, anything else raises.

    Redirects are not followed: a receiver that moved should be updated in the world file,
    not chased silently.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidAddress(f"{redacted(url)!r} is not an http:// or https:// URL")
    try:
        response = httpx.post(
            url,
            content=body,
            timeout=timeout,
            follow_redirects=False,
            verify=tls_context(),
            headers={"User-Agent": "Tocsin", **(headers or {})},
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(
            f"webhook {parts.hostname} did not answer: {exc.__class__.__name__}: {exc}"
        ) from exc
    if not response.is_success:
        said = f"webhook {parts.hostname} answered HTTP {response.status_code}"
        if response.status_code in PERMANENT_STATUSES:
            raise PermanentFailure(said)
        raise DeliveryFailed(said)


SIGNATURE_HEADER = "X-Tocsin-Signature"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``t=TIMESTAMP,v1=HEX``: HMAC-SHA256 under ``secret`` of ``TIMESTAMP.BODY``. A
    receiver recomputes it over the raw body it got and refuses an old timestamp, so a
    captured request cannot be replayed later (docs/notifications.md shows how)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


class WebhookChannel:
    """Delivers to ``webhook`` contact methods: the address is the receiver's URL."""

    type = "webhook"

    def __init__(
        self, timeout: float = WEBHOOK_TIMEOUT_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self.timeout = timeout
        self.clock = clock

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """POST ``{"type": "tocsin.verification", "user": ..., "code": ...}``."""
        self._post(method, {"type": "tocsin.verification", "user": method.user, "code": code})

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """POST the page as JSON, the key in the body and the ``Idempotency-Key`` header;
        signed (``X-Tocsin-Signature``) when the method has a secret."""
        self._post(method, {**message, "idempotency_key": key}, {"Idempotency-Key": key})

    def _post(
        self, method: ContactMethod, message: Mapping[str, Any], headers: Mapping[str, str] = {}
    ) -> None:
        body = _json(message)
        sent = {"Content-Type": "application/json", **headers}
        if method.secret is not None:
            secret = read_secret(method.secret, "the webhook's signing secret")
            sent[SIGNATURE_HEADER] = signature(secret, int(self.clock()), body)
        url = address_of(method.address, "the webhook's URL")
        post_body(url, body, timeout=self.timeout, headers=sent)
