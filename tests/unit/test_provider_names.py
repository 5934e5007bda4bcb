"""Providers' names are stable and never hold a secret; a delivery's providers come in
order (the address, then its fallbacks; the SMTP relay, then the fallback relay)."""

from __future__ import annotations

import pytest

from tocsin.notify.channels import ChannelNotConfigured, ContactMethod
from tocsin.notify.providers.chain import provider_name, providers_for
from tocsin.settings import Settings


@pytest.mark.parametrize(
    ("method_type", "address", "name"),
    [
        ("webhook", "https://hooks.example.com/T0k3n?s=s3cr3t", "webhook:hooks.example.com"),
        ("webhook", "http://127.0.0.1:9999/alice", "webhook:127.0.0.1:9999"),
        ("slack", "https://hooks.slack.com/services/T000/B000/XXXX", "slack:hooks.slack.com"),
        ("apprise", "twilio://ACsid:AuthT0ken@15551234567/15557654321", "apprise:twilio"),
        ("apprise", "vonage://key:s3cr3t@15551234567/15557654321", "apprise:vonage"),
        ("webhook", "not a url", "webhook:invalid"),
    ],
)  # fmt: skip
def test_names_are_scheme_and_host_only(method_type: str, address: str, name: str) -> None:
    assert provider_name(method_type, address) == name


def test_a_reference_is_named_by_where_it_points(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_TEST_SMS", "twilio://ACsid:AuthT0ken@15551234567/15557654321")
    monkeypatch.delenv("TOCSIN_TEST_UNSET", raising=False)
    assert provider_name("apprise", "env:TOCSIN_TEST_SMS") == "apprise:twilio"
    # unreadable: named as written (a reference holds no secret); sending will say why
    assert provider_name("webhook", "env:TOCSIN_TEST_UNSET") == "webhook:env:TOCSIN_TEST_UNSET"


def test_a_webhook_tries_its_address_then_its_fallbacks_with_the_same_secret() -> None:
    method = ContactMethod("alice", "webhook", "https://a.example/x", "env:HOOK_SECRET")
    found = providers_for(method, ["https://b.example/y", "http://c.example:8080/z"], Settings())
    assert [p.name for p in found] == [
        "webhook:a.example", "webhook:b.example", "webhook:c.example:8080",
    ]  # fmt: skip
    assert [p.method.address for p in found][1] == "https://b.example/y"
    assert {p.method.secret for p in found} == {"env:HOOK_SECRET"}


def test_email_goes_through_the_relay_then_the_fallback_relay() -> None:
    method = ContactMethod("alice", "email", "alice@example.com")
    settings = Settings(
        smtp_host="relay-a.example",
        smtp_from="tocsin@example.com",
        smtp_fallback_host="relay-b.example",
        smtp_fallback_port=2525,
    )
    assert [p.name for p in providers_for(method, [], settings)] == [
        "smtp:relay-a.example:587", "smtp:relay-b.example:2525",
    ]  # fmt: skip
    assert [p.name for p in providers_for(method, [], Settings(smtp_host="relay-a.example",
            smtp_from="tocsin@example.com"))] == ["smtp:relay-a.example:587"]  # fmt: skip
    with pytest.raises(ChannelNotConfigured):
        providers_for(method, [], Settings())
