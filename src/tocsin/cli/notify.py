"""``tocsin notify test | tests --user U``: send a test page to every contact method of a
user, and see what became of it. The messages go through the outbox: a running
``tocsin serve`` sends them (at once on PostgreSQL, within a second on SQLite)."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from tocsin.cli.context import console, fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.engine.writer import run_once
from tocsin.notify import test_pages
from tocsin.notify.links import LinkMaker
from tocsin.notify.test_pages import TestPageError, TestPageOut, TestPageSent

notify_app = typer.Typer(help="Notifications: test a user's contact methods.", no_args_is_help=True)
User = Annotated[str, typer.Option("--user", help="the user's name (handle)")]
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
POLL_SECONDS = 0.5


def _show(page: TestPageOut) -> None:
    print_table(
        f"test page {page.id} to {page.user} ({page.created_at:%Y-%m-%d %H:%M:%S}Z)",
        ("method", "type", "address", "state", "attempts", "error", "confirmed"),
        [
            (
                m.index, m.type, m.address, m.state, m.attempts, m.error,
                f"{m.confirmed_at:%Y-%m-%d %H:%M:%S}Z" if m.confirmed_at else "",
            )
            for m in page.methods
        ],
    )  # fmt: skip


@notify_app.command("test")
def send_test_command(
    ctx: typer.Context,
    user: User,
    wait: Annotated[
        bool, typer.Option("--wait", help="wait until every message is sent or failed")
    ] = False,
    timeout: Annotated[float, typer.Option(help="with --wait: give up after this long (s)")] = 60,
    as_json: JsonFlag = False,
) -> None:
    """Queue a test message (with a confirm link) to each contact method of USER."""
    st = state(ctx)
    now = SystemClock().now()
    links = LinkMaker(st.engine, st.settings.base_url())
    links.load(now)
    sent = TestPageSent()
    run_once(
        st.engine,
        test_pages.send_test_page(user, requested_by="cli", links=links, now=now, sent=sent),
    )
    if sent.error is not None:
        fail(f"{sent.error.message} ({sent.error.code})")
    assert sent.id is not None
    deadline = time.monotonic() + timeout
    while True:
        with st.engine.connect() as conn:
            page = test_pages.read_test_page(conn, user, sent.id)
        settled = all(m.state != "queued" for m in page.methods)
        if not wait or settled or time.monotonic() >= deadline:
            break
        time.sleep(POLL_SECONDS)  # the server's delivery worker sends them
    if as_json:
        print_json(page)
    else:
        _show(page)
        if wait and not settled:
            console.print("still queued: is `tocsin serve` running?", highlight=False)
    if wait and any(m.state == "failed" for m in page.methods):
        raise typer.Exit(1)


@notify_app.command("tests")
def list_tests_command(ctx: typer.Context, user: User, as_json: JsonFlag = False) -> None:
    """The newest test pages of USER and what became of each message."""
    try:
        with state(ctx).engine.connect() as conn:
            pages = test_pages.recent_test_pages(conn, user)
    except TestPageError as exc:
        fail(f"{exc.message} ({exc.code})")
        return
    if as_json:
        print_json(pages)
        return
    if not pages:
        console.print(f"no test pages to {user} yet: tocsin notify test --user {user}")
    for page in pages:
        _show(page)
