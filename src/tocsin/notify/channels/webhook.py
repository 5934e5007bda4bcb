"""Webhooks: an HTTP POST of a JSON body to the contact method's URL (httpx)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from tocsin.notify.channels.base import ContactMethod, DeliveryFailed, InvalidAddress

WEBHOOK_TIMEOUT_SECONDS = 5.0


def post_json(
    url: str,
    body: Mapping[str, Any],
    *,
    timeout: float = WEBHOOK_TIMEOUT_SECONDS,
    headers: Mapping[str, str] | None = None,
) -> None:
    """POST ``body`` as JSON to ``url``; any 2xx is delivered, anything else raises.

    Redirects are not followed: a receiver that moved should be updated in the world file,
    not chased silently.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidAddress(f"{url!r} is not an http:// or https:// URL")
    try:
        response = httpx.post(
            url,
            json=body,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": "Tocsin", **(headers or {})},
        )
    except httpx.HTTPError as exc:
        raise DeliveryFailed(
            f"webhook {parts.hostname} did not answer: {exc.__class__.__name__}: {exc}"
        ) from exc
    if not response.is_success:
        raise DeliveryFailed(f"webhook {parts.hostname} answered HTTP {response.status_code}")


class WebhookChannel:
    """Delivers to ``webhook`` contact methods: the address is the receiver's URL."""

    type = "webhook"

    def __init__(self, timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """POST ``{"type": "tocsin.verification", "user": ..., "code": ...}``."""
        body = {"type": "tocsin.verification", "user": method.user, "code": code}
        post_json(method.address, body, timeout=self.timeout)

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """POST the page as JSON, the key in the body and the ``Idempotency-Key`` header."""
        body = {**message, "idempotency_key": key}
        post_json(method.address, body, timeout=self.timeout, headers={"Idempotency-Key": key})
