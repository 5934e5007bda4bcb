"""The Slack rendering of a page: a readable fallback text, the facts, the two buttons."""

from __future__ import annotations

from typing import Any

from tocsin.notify.channels.slack import slack_message

PAGE: dict[str, Any] = {
    "type": "tocsin.page",
    "incident": {
        "id": "06h3inc",
        "title": "Checkout 5xx above 2%",
        "service": "checkout",
        "severity": "error",
        "created_at": "2026-12-03T03:00:00+00:00",
    },
    "policy": "web-critical",
    "level": 2,
    "repeat": 0,
    "links": {
        "acknowledge": "https://tocsin.example/act/a",
        "resolve": "https://tocsin.example/act/r",
    },
}


def test_the_page_has_its_facts_and_a_button_per_link() -> None:
    body = slack_message(PAGE, "06h3inc/0/1/alice/0")
    assert body["text"] == ":large_orange_circle: Checkout 5xx above 2% (checkout, error)"
    header, facts, actions, footer = body["blocks"]
    assert header["text"]["text"] == ":large_orange_circle: Checkout 5xx above 2%"
    assert "*Paged*\nlevel 2 of policy web-critical" in [f["text"] for f in facts["fields"]]
    buttons = actions["elements"]
    assert [(b["text"]["text"], b["url"]) for b in buttons] == [
        ("Acknowledge", "https://tocsin.example/act/a"),
        ("Resolve", "https://tocsin.example/act/r"),
    ]
    assert buttons[0]["style"] == "primary"
    assert footer["elements"][0]["text"] == "Tocsin · 06h3inc/0/1/alice/0"


def test_a_page_without_links_has_no_buttons_and_a_long_title_fits_the_header() -> None:
    page = {**PAGE, "links": {}, "incident": {**PAGE["incident"], "title": "x" * 300}}
    body = slack_message(page, "k")
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context"]
    assert len(body["blocks"][0]["text"]["text"]) == 150
