"""The demo pager prints a page it receives: who, what, the links, the log command."""

from __future__ import annotations

import io
from typing import Any

import httpx
from rich.console import Console

from tests.support.server import free_port
from tocsin.cli.demo_sink import describe, start_demo_sink

PAGE: dict[str, Any] = {
    "type": "tocsin.page",
    "incident": {"id": "06h3inc", "title": "Checkout errors", "service": "checkout",
                 "severity": "critical", "created_at": "2026-12-03T03:00:00+00:00"},
    "policy": "payments-critical",
    "level": 1,
    "links": {"acknowledge": "http://t/act/a", "resolve": "http://t/act/r"},
}  # fmt: skip


def test_a_page_is_printed_with_its_links() -> None:
    out = io.StringIO()
    port = free_port()
    server = start_demo_sink(Console(file=out, width=200), port)
    try:
        assert httpx.post(f"http://127.0.0.1:{port}/page/alice", json=PAGE).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    printed = out.getvalue()
    assert (
        "PAGE → alice: [CRITICAL] Checkout errors (checkout), level 1 of payments-critical"
        in printed
    )
    assert "acknowledge: http://t/act/a" in printed
    assert "tocsin incidents deliveries 06h3inc" in printed


def test_markup_in_a_title_is_printed_as_written() -> None:
    page = {**PAGE, "incident": {**PAGE["incident"], "title": "[/bold] <script> [red]x"}}
    out = io.StringIO()
    Console(file=out, width=200).print(describe("/page/bob", page))
    assert "[/bold] <script> [red]x" in out.getvalue()
