"""The demo mailbox prints an email page the real email channel sends it: to whom, the
subject, the body's first lines with the links, the log command."""

from __future__ import annotations

import io
from email.message import EmailMessage

from rich.console import Console

from tests.support.server import free_port
from tests.unit.test_demo_sink import PAGE
from tocsin.cli.demo_mail import DEMO_SMTP_FROM, describe_email, start_demo_mail
from tocsin.notify.channels.base import ContactMethod
from tocsin.notify.channels.email import EmailChannel, SmtpConfig


def test_an_email_page_is_printed_with_its_links() -> None:
    out = io.StringIO()
    port = free_port()
    mailbox = start_demo_mail(Console(file=out, width=200), port)
    try:
        channel = EmailChannel(SmtpConfig("127.0.0.1", port, DEMO_SMTP_FROM, starttls=False))
        page = {**PAGE, "repeat": 0}
        # The mailbox prints a message before it answers 250: printed once this returns.
        channel.send_page(ContactMethod("alice", "email", "alice@example.com"), page, "k/0/0")
    finally:
        mailbox.stop()
    printed = out.getvalue()
    assert "EMAIL → alice@example.com: [CRITICAL] Checkout errors (checkout)" in printed, printed
    assert "Paged:    level 1 of policy payments-critical" in printed
    assert "Acknowledge: http://t/act/a" in printed
    assert "Resolve: http://t/act/r" in printed
    assert "delivery log: tocsin incidents deliveries 06h3inc" in printed


def test_a_long_body_is_cut_and_markup_printed_as_written() -> None:
    message = EmailMessage()
    message["Subject"] = "[/bold] <script> [red]x"
    message.set_content("\n".join(f"line {i}" for i in range(30)))
    out = io.StringIO()
    Console(file=out, width=200).print(describe_email(message, ["bob@example.com"]))
    printed = out.getvalue()
    assert "bob@example.com: [/bold] <script> [red]x" in printed
    assert "line 9" in printed
    assert "line 10" not in printed
    assert "…" in printed
    assert "delivery log" not in printed  # not a page: no incident to show
