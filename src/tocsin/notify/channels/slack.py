"""Slack incoming webhooks: the contact method's address is the webhook URL Slack gives
(``https://hooks.slack.com/services/...``), which is itself a credential: write it as
``env:NAME`` or ``file:/path`` to keep it out of the world file. The page is a Block Kit
message whose buttons open the page's acknowledge and resolve links."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tocsin.notify.channels.base import ContactMethod
from tocsin.notify.channels.email import NOTICE_TYPES, paged_by
from tocsin.notify.channels.secrets import address_of
from tocsin.notify.channels.webhook import WEBHOOK_TIMEOUT_SECONDS, post_json

_EMOJI = {"critical": ":red_circle:", "error": ":large_orange_circle:", "warning": ":warning:"}


def _buttons(links: Mapping[str, str]) -> dict[str, Any]:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": action.capitalize()},
                "url": url,
                **({"style": "primary"} if action in ("acknowledge", "confirm") else {}),
            }
            for action, url in links.items()
        ],
    }


def _footer(key: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"Tocsin · {key}"}]}


def notice_message(message: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The Block Kit body of an on-call notice or a test page: its title as the header,
    its text (a handoff report: preformatted) below, its links as buttons."""
    title = " ".join(str(message["title"]).split())
    text = str(message["text"]).rstrip()
    body = f"```{text[:2900]}```" if "\n" in text else text[:2900]  # Slack's limit: 3000
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": body}},
    ]
    if message.get("links"):
        blocks.append(_buttons(message["links"]))
    blocks.append(_footer(key))
    return {"text": title, "blocks": blocks}


def slack_message(message: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The Block Kit body of a page (``text`` is what notifications and old clients show)."""
    if message.get("type") in NOTICE_TYPES:
        return notice_message(message, key)
    incident = message["incident"]
    severity = str(incident["severity"])
    title = f"{_EMOJI.get(severity, ':information_source:')} {incident['title']}"
    text = f"{title} ({incident['service']}, {severity})"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Service*\n{incident['service']}"},
                {"type": "mrkdwn", "text": f"*Severity*\n{severity}"},
                {"type": "mrkdwn", "text": f"*Paged*\n{paged_by(message)}"},
                {"type": "mrkdwn", "text": f"*Opened*\n{incident['created_at']}"},
            ],
        },
    ]
    links = message.get("links") or {}
    if links:
        blocks.append(_buttons(links))
    blocks.append(_footer(key))
    return {"text": text, "blocks": blocks}


def _url(method: ContactMethod) -> str:
    return address_of(method.address, "the Slack webhook URL")


class SlackChannel:
    """Delivers to ``slack`` contact methods: the address is an incoming-webhook URL."""

    type = "slack"

    def __init__(self, timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout

    def send_verification(self, method: ContactMethod, code: str) -> None:
        """Post the code as a plain message."""
        text = f"Tocsin verification code for {method.user}: *{code}*"
        post_json(_url(method), {"text": text}, timeout=self.timeout)

    def send_page(self, method: ContactMethod, message: Mapping[str, Any], key: str) -> None:
        """Post the page; the key is in the message's footer and its header."""
        post_json(
            _url(method),
            slack_message(message, key),
            timeout=self.timeout,
            headers={"Idempotency-Key": key},
        )
