"""Checks every route's path and query parameters share, before any route reads them."""

from __future__ import annotations

from fastapi import Request

from tocsin.api.errors import ApiError


def no_nul_in_parameters(request: Request) -> None:
    """400 naming the parameter whose value holds a NUL character.

    PostgreSQL cannot compare text with a NUL, so a lookup by such a name, id or cursor
    failed inside the driver (a 500) where SQLite simply found nothing.
    """
    for where, items in (
        ("path", request.path_params.items()),
        ("query", request.query_params.multi_items()),
    ):
        for name, value in items:
            if "\x00" in f"{name}{value}":
                raise ApiError(
                    400,
                    "invalid_request",
                    f"{where}.{name.replace(chr(0), '?')}: must not contain the NUL character",
                )
