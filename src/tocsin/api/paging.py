"""Paging the ``/api/v1`` routes whose body is a bare JSON list.

Their body stays a list (what clients already read); ``limit`` and ``cursor`` choose the
page, and when more items follow the answer says where they are:
``Link: <URL with cursor=X>; rel="next"`` (RFC 8288) and ``X-Next-Cursor: X``. No
``Link`` header means the list ends on this page; a short page alone means nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query, Request, Response

from tocsin.core.paging import DEFAULT_LIMIT, MAX_LIMIT, Page

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"page size (1-{MAX_LIMIT})")]
Cursor = Annotated[
    str | None,
    Query(min_length=1, max_length=2000, description="where to resume: the previous page's "
          "next cursor (X-Next-Cursor, or the cursor in its Link rel=\"next\")"),
]  # fmt: skip

NEXT_PAGE_HEADERS: dict[str, Any] = {
    "Link": {
        "description": 'the next page: `<URL>; rel="next"` (RFC 8288); absent on the last page',
        "schema": {"type": "string"},
    },
    "X-Next-Cursor": {
        "description": "the next page's `cursor`; absent on the last page",
        "schema": {"type": "string"},
    },
}
# ``responses=`` of a paged list route, so /openapi.json declares the headers.
LINKED_PAGE: dict[int | str, dict[str, Any]] = {200: {"headers": NEXT_PAGE_HEADERS}}


class PageRequest:
    """The page a client asks for (``limit``, ``cursor``), and how to answer with one."""

    def __init__(
        self,
        request: Request,
        response: Response,
        limit: Limit = DEFAULT_LIMIT,
        cursor: Cursor = None,
    ) -> None:
        self.limit, self.cursor = limit, cursor
        self._request, self._response = request, response

    def reply(self, page: Page[T]) -> list[T]:
        """The body (the page's items) after putting the next page's link in the headers."""
        if page.next_cursor is not None:
            url = self._request.url.include_query_params(cursor=page.next_cursor)
            self._response.headers["Link"] = f'<{url}>; rel="next"'
            self._response.headers["X-Next-Cursor"] = page.next_cursor
        return page.items


Paging = Annotated[PageRequest, Depends()]
