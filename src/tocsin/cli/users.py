"""``tocsin user``: show and list users' contact methods (verified? test page confirmed?
last delivery error?) and verify them with a code sent through them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, TypeVar

import typer

from tocsin.cli.context import console, fail, print_json, print_table, state
from tocsin.clock import SystemClock
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.directory.users import get_user, list_users
from tocsin.notify.contacts import service as contacts
from tocsin.notify.contacts.service import ContactError

user_app = typer.Typer(
    help="Users: their contact methods, and verifying them.", no_args_is_help=True
)
JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of a sentence")]
UserName = Annotated[str, typer.Argument(help="the user's name (handle)")]
Index = Annotated[int, typer.Argument(help="position in the user's contact_methods, from 0")]
T = TypeVar("T")


def _run(work: Callable[[], T]) -> T:
    try:
        return work()
    except ContactError as exc:
        fail(f"{exc.message} ({exc.code})")
        raise  # unreachable: fail() exits


@user_app.command("show")
def show_command(ctx: typer.Context, name: UserName, as_json: JsonFlag = False) -> None:
    """Show user NAME: teams, and each contact method, verified and test-confirmed."""
    with state(ctx).engine.connect() as conn:
        user = get_user(conn, name)
    if user is None:
        fail(f"no user named {name!r} (not_found)")
        return
    if as_json:
        print_json(user)
        return
    teams = ", ".join(f"{team} ({role})" for team, role in user.teams.items()) or "none"
    console.print(f"{user.name} ({user.time_zone}); teams: {teams}", highlight=False)

    def when(at: datetime | None) -> str:
        return f"{at:%Y-%m-%d %H:%M:%S}Z" if at else "no"

    print_table(
        "contact methods",
        ("method", "type", "address", "verified", "test page confirmed"),
        [
            (i, m.type, m.address, when(m.verified_at), when(m.test_confirmed_at))
            for i, m in enumerate(user.contact_methods)
        ],
    )


@user_app.command("list")
def list_command(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="only this user")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List users' contact methods: verified or not, and the last permanent delivery error
    (a webhook answering 401), shown until a page gets through again."""
    with state(ctx).engine.connect() as conn:
        if name is None:
            found = every_page(lambda cursor: list_users(conn, limit=MAX_LIMIT, cursor=cursor))
        else:
            one = get_user(conn, name)
            if one is None:
                fail(f"no user named {name!r}")
                return
            found = [one]
    if as_json:
        print_json(found)
        return
    print_table(
        "Contact methods",
        ["user", "index", "type", "address", "fallback", "verified", "last error"],
        [
            (
                u.name,
                str(i),
                m.type,
                m.address,
                ", ".join(m.fallback),
                "yes" if m.verified else "no",
                f"{m.last_error} ({m.last_error_at:%Y-%m-%d %H:%M}Z)" if m.last_error else "",
            )
            for u in found
            for i, m in enumerate(u.contact_methods)
        ],
    )


@user_app.command("verify-send")
def verify_send_command(
    ctx: typer.Context, name: UserName, index: Index, as_json: JsonFlag = False
) -> None:
    """Send a verification code through contact method INDEX of user NAME."""
    st = state(ctx)
    now = SystemClock().now()
    sent = _run(lambda: contacts.send_code(st.engine, st.settings, user=name, index=index, now=now))
    if as_json:
        print_json(sent)
        return
    console.print(
        f"sent a code to {sent.user}'s {sent.type} {sent.address}; it works until "
        f"{sent.expires_at:%Y-%m-%d %H:%M:%S}Z. Then: tocsin user verify {name} {index} CODE",
        highlight=False,
        soft_wrap=True,
    )


@user_app.command("verify")
def verify_command(
    ctx: typer.Context,
    name: UserName,
    index: Index,
    code: Annotated[str, typer.Argument(help="the code the contact method received")],
    as_json: JsonFlag = False,
) -> None:
    """Check CODE for contact method INDEX of user NAME; exit 1 when it is not right."""
    st = state(ctx)
    now = SystemClock().now()
    done = _run(lambda: contacts.verify_code(st.engine, user=name, index=index, code=code, now=now))
    if as_json:
        print_json(done)
        return
    console.print(
        f"verified {done.user}'s {done.type} {done.address}", highlight=False, soft_wrap=True
    )
