"""A local SMTP server (aiosmtpd) that keeps what it is sent, by recipient."""

from __future__ import annotations

import re
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.server import free_port

WAIT = 10.0  # seconds a peer may take to show a message that was already accepted
CODE = re.compile(r"verification code is (\d{6})\.")


class Inbox:
    """An SMTP server on a free loopback port that keeps what it is sent, by recipient."""

    def __init__(self) -> None:
        self.port = free_port()
        self._mail: dict[str, list[EmailMessage]] = {}
        self._arrived = threading.Condition()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._arrived:
            for rcpt in envelope.rcpt_tos:
                self._mail.setdefault(rcpt, []).append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def take(self, address: str) -> EmailMessage:
        """The newest message for ``address`` (waiting for one); older ones are dropped."""
        with self._arrived:
            assert self._arrived.wait_for(lambda: self._mail.get(address), WAIT), address
            return self._mail.pop(address)[-1]

    def code(self, address: str) -> str:
        """The verification code in the newest message for ``address``."""
        body = self.take(address).get_body(("plain",))
        assert body is not None
        found = CODE.search(body.get_content())
        assert found is not None
        return found.group(1)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def env(self) -> dict[str, str]:
        """The settings that point Tocsin at this server (no TLS: it is a local peer)."""
        return {
            "TOCSIN_SMTP_HOST": "127.0.0.1",
            "TOCSIN_SMTP_PORT": str(self.port),
            "TOCSIN_SMTP_FROM": "tocsin@example.com",
            "TOCSIN_SMTP_STARTTLS": "false",
        }
