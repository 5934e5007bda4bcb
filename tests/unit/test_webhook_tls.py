"""Webhook requests share one TLS context: loading the CA bundle for every request cost
milliseconds of CPU each (docs/benchmarks.md, escalation timers)."""

from __future__ import annotations

import ssl

import pytest

from tests.support.sinks import webhook_sink
from tocsin.notify.channels import webhook


def test_the_ca_bundle_is_loaded_once_for_every_request(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[ssl.SSLContext] = []
    original = ssl.create_default_context

    def counting(*args: object, **kwargs: object) -> ssl.SSLContext:
        context = original(*args, **kwargs)  # type: ignore[arg-type]
        made.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", counting)
    webhook.tls_context.cache_clear()
    try:
        with webhook_sink() as sink:
            for i in range(3):
                webhook.post_json(f"{sink.url}/page/{i}", {"n": i})
            assert [body["n"] for body in sink.wait_for(3)] == [0, 1, 2]
        assert len(made) == 1
        assert webhook.tls_context() is made[0]
        assert made[0].verify_mode == ssl.CERT_REQUIRED  # still verified as httpx would
    finally:
        webhook.tls_context.cache_clear()
