"""``tocsin user``: verify a user's contact methods with a code sent through them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import typer

from tocsin.cli.context import console, fail, print_json, state
from tocsin.clock import SystemClock
from tocsin.notify.contacts import service as contacts
from tocsin.notify.contacts.service import ContactError

user_app = typer.Typer(help="Users: verify their contact methods.", no_args_is_help=True)
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
