"""Email over SMTP (the standard library's ``smtplib``): any relay, STARTTLS and login optional."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from tocsin.notify.channels.base import (
    ContactMethod,
    DeliveryFailed,
    InvalidAddress,
    PermanentFailure,
)

SMTP_TIMEOUT_SECONDS = 10.0
# Messages that are not one incident's page: rendered from their title and text (a
# bundle of pages to one person lists them in its text: notify.bundling).
NOTICE_TYPES = ("tocsin.on_call", "tocsin.test", "tocsin.page_bundle")


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    """Where and how to hand mail over (from the ``TOCSIN_SMTP_*`` settings)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = SMTP_TIMEOUT_SECONDS


def verification_email(method: ContactMethod, code: str) -> tuple[str, str]:
    """The subject and plain-text body that carry a verification ``code``."""
    subject = f"Tocsin verification code: {code}"
    body = (
        f"Hello {method.user},\n\n"
        f"Your Tocsin verification code is {code}.\n\n"
        "Enter it where you asked for it, to confirm that pages sent to this address\n"
        "reach you.\n\n"
        "If you did not ask for it, you can ignore this message.\n"
    )
    return subject, body


def notice_email(message: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and body of a message that is not an incident's page (an on-call
    notice, a test page): its ``title`` and ``text``, then its links."""
    subject = " ".join(str(message["title"]).split())[:250]  # no line breaks in a header
    body = str(message["text"]).rstrip("\n") + "\n"
    links = message.get("links") or {}
    if links:
        body += "\n" + "".join(f"{action.capitalize()}: {url}\n" for action, url in links.items())
    return subject, body


def paged_by(message: Mapping[str, Any]) -> str:
    """Why this person is paged: an escalation's level, or a request to join."""
    if message.get("reason") == "responders_added":
        return f"added as a responder by {message.get('requested_by', 'someone')}"
    repeat = f" (repeat {message['repeat']})" if message.get("repeat") else ""
    return f"level {message['level']} of policy {message['policy']}{repeat}"


def page_email(message: Mapping[str, Any]) -> tuple[str, str]:
    """The subject and plain-text body of a page (or of a notice: ``notice_email``)."""
    if message.get("type") in NOTICE_TYPES:
        return notice_email(message)
    incident = message["incident"]
    title = " ".join(str(incident["title"]).split())  # a header holds no line breaks
    subject = f"[{incident['severity'].upper()}] {title} ({incident['service']})"[:250]
    body = (
        f"{incident['title']}\n\n"
        f"Service:  {incident['service']}\n"
        f"Severity: {incident['severity']}\n"
        f"Incident: {incident['id']} (opened {incident['created_at']})\n"
        f"Paged:    {paged_by(message)}\n"
    )
    if message.get("note"):
        body += f"Note:     {message['note']}\n"
    links = message.get("links") or {}
    if links:
        body += "\n" + "".join(f"{action.capitalize()}: {url}\n" for action, url in links.items())
    return subject, body


def send_email(
    config: SmtpConfig, to: str, subject: str, body: str, *, message_id: str | None = None
) -> None:
    """Hand one plain-text message for ``to`` to the SMTP server; raise if it is refused."""
    if "@" not in to or to != to.strip():
        raise InvalidAddress(f"{to!r} is not an email address")
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    domain = config.sender.rpartition("@")[2] or "tocsin"
    message["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
    message.set_content(body)
    try:
        with smtplib.SMTP(config.host, config.port, timeout=config.timeout) as smtp:
            if config.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.send_message(message)
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryFailed(
            f"SMTP server {config.host}:{config.port} does not offer STARTTLS "
            "(set TOCSIN_SMTP_STARTTLS=false only for a trusted local relay)"
        ) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        said = f"SMTP server refused the recipient {to!r} ({', '.join(map(str, codes))})"
        # 5xx: the mailbox does not exist or is refused for good; 4xx may pass.
        if codes and all(500 <= code < 600 for code in codes):
            raise PermanentFailure(said) from exc
        raise DeliveryFailed(said) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(
            f"SMTP server {config.host}:{config.port} did not take the message: "
            f"{exc.__class__.__name__}: {exc}"
        ) from exc


class EmailChannel:
    """Delivers to ``email`` contact methods through one SMTP server."""

    type = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """Mail the code to the method's address."""
        subject, body = verification_email(method, code)
        send_email(self.config, method.address, subject, body)

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """Mail the page; its Message-ID carries the idempotency key."""
        subject, body = page_email(message)
        send_email(self.config, method.address, subject, body, message_id=key.replace("/", "."))
