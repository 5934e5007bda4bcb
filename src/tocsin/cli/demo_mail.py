"""The demo's mailbox: a local SMTP server that prints every email it gets.

``tocsin demo`` starts it beside the demo pager (``demo_sink``) and points the demo's
SMTP settings at it, so the demo users' ``email`` contact methods deliver too and a
newcomer sees an email page arrive: its subject, recipients and the first lines of its
body, with the acknowledge and resolve links.
"""

from __future__ import annotations

import logging
import re
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from typing import TYPE_CHECKING

from rich.console import Console

from tocsin.cli.demo_sink import announce

if TYPE_CHECKING:  # aiosmtpd is imported when the mailbox starts, not by every command
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, Envelope, Session

DEMO_SMTP_PORT = 8025
DEMO_SMTP_FROM = "tocsin-demo@localhost"
BODY_LINES = 10  # of a page's body: title, service, severity, incident, level, links
_INCIDENT = re.compile(r"^Incident:\s+(\S+)", re.MULTILINE)


def body_text(message: Message) -> str:
    """The plain-text body of ``message`` (empty when it has none)."""
    if isinstance(message, EmailMessage):
        part = message.get_body(("plain",))
        return str(part.get_content()) if part is not None else ""
    payload = message.get_payload(decode=True)
    return payload.decode(errors="replace") if isinstance(payload, bytes) else ""


def describe_email(message: Message, recipients: list[str]) -> str:
    """One email as the demo prints it: to whom, the subject, the body's first lines."""
    body = body_text(message)
    lines = [line.rstrip() for line in body.splitlines() if line.strip()]
    shown = lines[:BODY_LINES] + (["…"] if len(lines) > BODY_LINES else [])
    to = ", ".join(recipients) or str(message.get("To", ""))
    found = _INCIDENT.search(body)
    return announce("EMAIL", f"{to}: {message.get('Subject', '')}", shown, found and found[1])


class _Printer:
    """The aiosmtpd handler: accept every message and print it."""

    def __init__(self, console: Console) -> None:
        self.console = console

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=policy.default)
        self.console.print(describe_email(message, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def start_demo_mail(console: Console, port: int = DEMO_SMTP_PORT) -> Controller:
    """Serve the mailbox on 127.0.0.1:``port`` in a thread of its own (``stop()`` ends
    it); raises OSError when the port is taken."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO: the printed email says enough.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(_Printer(console), hostname="127.0.0.1", port=port)
    controller.start()
    return controller
