"""The rules of contact verification and the choice of channel, without a database or peer."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocsin.notify.channels import ChannelNotConfigured, ContactMethod, InvalidAddress, channel_for
from tocsin.notify.channels.email import EmailChannel, SmtpConfig, send_email, verification_email
from tocsin.notify.channels.webhook import WebhookChannel, post_json
from tocsin.notify.contacts.verification import (
    CODE_TTL,
    MAX_ATTEMPTS,
    RESEND_AFTER,
    Outcome,
    PendingCode,
    attempts_left,
    check_code,
    code_matches,
    hash_code,
    new_code,
    resend_wait,
)
from tocsin.settings import Settings

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
CODE = "042917"


def pending(*, attempts: int = 0, code: str = CODE, sent_at: datetime = T0) -> PendingCode:
    return PendingCode(hash_code(code), attempts, sent_at + CODE_TTL)


# --- codes and their hashes ------------------------------------------------------------


def test_codes_are_six_digits_with_leading_zeros_kept() -> None:
    codes = {new_code() for _ in range(200)}
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert len(codes) > 150  # random, not a counter


def test_only_a_salted_hash_is_stored_and_it_matches_only_its_code() -> None:
    stored = hash_code(CODE)
    assert CODE not in stored
    assert hash_code(CODE) != stored  # a new salt each time
    assert code_matches(CODE, stored)
    assert not code_matches("042918", stored)
    assert not code_matches("", stored)


def test_spaces_and_dashes_people_type_are_ignored() -> None:
    assert code_matches("042 917", hash_code(CODE))
    assert code_matches(" 042-917 ", hash_code(CODE))


def test_a_malformed_stored_hash_never_matches() -> None:
    assert not code_matches(CODE, "no-separator")


# --- checking a code -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "typed", "outcome"),
    [
        (None, CODE, Outcome.NO_CODE),
        (PendingCode(None, 0, None), CODE, Outcome.NO_CODE),  # used up or never delivered
        (pending(), CODE, Outcome.VERIFIED),
        (pending(), "999999", Outcome.WRONG),
        (pending(attempts=MAX_ATTEMPTS - 1), CODE, Outcome.VERIFIED),
        (pending(attempts=MAX_ATTEMPTS), CODE, Outcome.LOCKED),  # even the right code
        (pending(attempts=MAX_ATTEMPTS), "999999", Outcome.LOCKED),
    ],
)
def test_check_code_decides(state: PendingCode | None, typed: str, outcome: Outcome) -> None:
    assert check_code(state, typed, T0 + timedelta(minutes=1)) is outcome


@given(elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=2)))
def test_a_code_works_for_fifteen_minutes_and_not_a_moment_longer(elapsed: timedelta) -> None:
    outcome = check_code(pending(), CODE, T0 + elapsed)
    assert outcome is (Outcome.VERIFIED if elapsed < CODE_TTL else Outcome.EXPIRED)


@given(elapsed=st.timedeltas(min_value=CODE_TTL, max_value=timedelta(days=2)))
def test_an_expired_code_answers_the_same_whatever_is_typed(elapsed: timedelta) -> None:
    assert check_code(pending(), "999999", T0 + elapsed) is Outcome.EXPIRED
    assert check_code(pending(attempts=MAX_ATTEMPTS), CODE, T0 + elapsed) is Outcome.LOCKED


def test_attempts_left_counts_down_to_zero() -> None:
    assert [attempts_left(n) for n in range(7)] == [5, 4, 3, 2, 1, 0, 0]


# --- the resend limit -------------------------------------------------------------------


def test_the_first_code_may_be_sent_at_once() -> None:
    assert resend_wait(None, T0) == timedelta(0)


@given(elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(minutes=5)))
def test_a_new_code_waits_a_minute_after_the_last(elapsed: timedelta) -> None:
    wait = resend_wait(T0, T0 + elapsed)
    assert wait == max(timedelta(0), RESEND_AFTER - elapsed)
    assert resend_wait(T0, T0 + elapsed + wait) == timedelta(0)


# --- channels ---------------------------------------------------------------------------

SMTP = {"smtp_host": "mail.example.com", "smtp_from": "tocsin@example.com"}


def settings(**values: object) -> Settings:
    """Settings with email off unless given (whatever this machine's environment says)."""
    return Settings(**{"smtp_host": None, "smtp_from": None, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["sms", "voice", "push"])
def test_channels_not_built_yet_say_which_is_missing(kind: str) -> None:
    with pytest.raises(ChannelNotConfigured, match=f"the {kind} channel is not available yet"):
        channel_for(kind, settings(**SMTP))


def test_email_needs_a_host_and_a_sender() -> None:
    with pytest.raises(ChannelNotConfigured, match="TOCSIN_SMTP_HOST and TOCSIN_SMTP_FROM"):
        channel_for("email", settings(smtp_host="mail.example.com"))
    channel = channel_for("email", settings(**SMTP, smtp_port=2525, smtp_starttls=False))
    assert isinstance(channel, EmailChannel)
    assert channel.config.port == 2525
    assert channel.config.starttls is False


def test_webhooks_need_no_settings() -> None:
    assert isinstance(channel_for("webhook", settings()), WebhookChannel)


def test_the_verification_email_names_the_user_and_carries_the_code() -> None:
    subject, body = verification_email(ContactMethod("ann", "email", "ann@example.com"), CODE)
    assert CODE in subject
    assert "Hello ann," in body
    assert f"Your Tocsin verification code is {CODE}." in body


@pytest.mark.parametrize("address", ["not a url", "ftp://example.com/x", "http://", "/hooks/x"])
def test_a_webhook_address_must_be_an_http_url(address: str) -> None:
    with pytest.raises(InvalidAddress, match="not an http"):
        post_json(address, {})


def test_an_email_address_needs_an_at_sign() -> None:
    config = SmtpConfig(host="127.0.0.1", port=1, sender="tocsin@example.com")
    with pytest.raises(InvalidAddress, match="not an email address"):
        send_email(config, "ann.example.com", "subject", "body")


def test_slack_contact_methods_have_a_channel() -> None:
    assert channel_for("slack", settings()).type == "slack"


def test_a_page_s_email_subject_holds_no_line_break() -> None:
    from tocsin.notify.channels.email import page_email

    page = {
        "incident": {"id": "i", "title": "Disk full\non db1\r\nsee runbook", "service": "db",
                     "severity": "critical", "created_at": "2026-12-03T03:00:00+00:00"},
        "level": 1, "repeat": 0, "policy": "p",
    }  # fmt: skip
    subject, body = page_email(page)
    assert subject == "[CRITICAL] Disk full on db1 see runbook (db)"
    assert "Disk full\non db1" in body
