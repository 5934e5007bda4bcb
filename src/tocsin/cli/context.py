"""What every command shares: settings (flags over ``TOCSIN_*``), the engine, output helpers."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import msgspec
import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from tocsin.settings import Settings
from tocsin.store.db import create_db_engine

# Piped output is for scripts and logs: don't fold tables at 80 columns.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True)


class CliState:
    """Settings for this invocation and a lazily created engine."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        return create_db_engine(self.settings.resolved_database_url())


def state(ctx: typer.Context) -> CliState:
    """The ``CliState`` the root callback stored."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliState)
    return obj


def print_json(value: Any) -> None:
    """Print models or plain values as JSON on stdout."""

    def enc(obj: Any) -> Any:
        if isinstance(obj, BaseModel):
            return obj.model_dump(mode="json")
        raise TypeError(type(obj).__name__)

    sys.stdout.write(msgspec.json.format(msgspec.json.encode(value, enc_hook=enc)).decode())
    sys.stdout.write("\n")


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A readable table for people (use --json for machines)."""
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


def fail(message: str, code: int = 1) -> None:
    """Print an error on stderr and exit."""
    err_console.print(f"[red]error:[/red] {message}", soft_wrap=True, highlight=False)
    raise typer.Exit(code)
