"""On-call notices and test pages render from their title and text in every channel."""

from __future__ import annotations

from tocsin.notify.channels.email import page_email
from tocsin.notify.channels.slack import slack_message

NOTICE = {
    "type": "tocsin.test",
    "title": "Tocsin test page for bob",
    "text": "This is a test page.",
    "links": {"confirm": "http://t/act/x"},
}


def test_email_and_apprise_use_the_title_as_subject_and_list_the_links() -> None:
    subject, body = page_email(NOTICE)
    assert subject == "Tocsin test page for bob"
    assert body == "This is a test page.\n\nConfirm: http://t/act/x\n"


def test_slack_shows_the_title_the_text_and_a_confirm_button() -> None:
    blocks = slack_message({**NOTICE, "text": "line 1\nline 2"}, "test/1/0")["blocks"]
    assert blocks[0]["text"]["text"] == "Tocsin test page for bob"
    assert blocks[1]["text"]["text"] == "```line 1\nline 2```"  # a report keeps its layout
    assert blocks[2]["elements"][0]["url"] == "http://t/act/x"
