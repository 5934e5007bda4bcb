"""The reference ceiling: a bare Starlette endpoint that parses the same JSON and answers 202.

It stores nothing; Tocsin's durable ingest is reported as a ratio against it, measured in
the same run. Run: ``python -m uvicorn bench.baseline_app:app --loop uvloop --http httptools``.
"""

from __future__ import annotations

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

_decode = msgspec.json.Decoder().decode
_encode = msgspec.json.Encoder().encode


async def enqueue(request: Request) -> Response:
    body = await request.body()
    event = _decode(body)
    answer = {
        "status": "success",
        "message": "Event processed",
        "dedup_key": event.get("dedup_key"),
    }
    return Response(_encode(answer), status_code=202, media_type="application/json")


app = Starlette(routes=[Route("/v2/enqueue", enqueue, methods=["POST"])])
