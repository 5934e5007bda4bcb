"""Local receivers of what Tocsin sends: a webhook sink that keeps every request, and can
be told to answer an error status, to hang (a provider that is down) or to hold its
answers until the test releases them (a sender caught between sending and recording)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DRIP_SECONDS = 0.5


class WebhookSink:
    """An HTTP server on 127.0.0.1 that answers ``status`` (200 ``{}`` by default) to every
            POST and keeps it: the headers (with the request's ``path``) and the JSON body (a body
            that is not JSON as ``{"raw": text}``). With ``hang`` set it keeps every request (it
            arrived) but answers none until the sink closes: the client times out. After ``hold()``
        it keeps every request and answers none until ``release()`` (or the sink closes): the
        sender is held between sending and hearing back, for as long as the test needs (within
        the sender's own timeout, or, dripping its answer, for as long as it likes); ``wait_for``
    sees a held request at once."""

    def __init__(self, status: int = 200) -> None:
        self.received: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.raw_bodies: list[bytes] = []
        self.status = status
        self.hang = False
        self._closing = threading.Event()
        self._released = threading.Event()
        self._released.set()
        self._drip = False
        self._arrived = threading.Condition()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                try:
                    parsed = json.loads(body)
                except ValueError:
                    parsed = {"raw": body.decode(errors="replace")}
                parsed = parsed if isinstance(parsed, dict) else {"json": parsed}
                with sink._arrived:
                    sink.raw_bodies.append(body)
                    sink.received.append(({"path": self.path, **dict(self.headers)}, parsed))
                    sink._arrived.notify_all()
                if sink.hang:
                    sink._closing.wait()  # never answers: the client's timeout ends it
                    return
                if sink._drip and not sink._released.is_set():
                    self._answer_slowly()
                    return
                sink._released.wait()  # held: answers once the test releases it
                # 200 with a JSON body: what ntfy answers, and any 2xx does for webhooks.
                # A sender killed while held is gone: its answer has nobody to reach.
                with contextlib.suppress(OSError):
                    self.send_response(sink.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")

            def _answer_slowly(self) -> None:
                """Answer at once, then the body a byte at a time until released: the
                sender never times out, it is still receiving (HTTP/1.0: the body ends
                when the connection closes)."""
                with contextlib.suppress(OSError):
                    self.send_response(sink.status)
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    while not sink._released.wait(DRIP_SECONDS):
                        self.wfile.write(b" ")
                        self.wfile.flush()
                    self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def hold(self, *, drip: bool = False) -> None:
        """Keep the requests that arrive from now on unanswered until ``release()``; with
        ``drip``, answer them so slowly that they last until then (a byte every
        ``DRIP_SECONDS``, well within any sender's read timeout)."""
        self._drip = drip
        self._released.clear()

    def release(self) -> None:
        """Answer the held requests (and the later ones at once)."""
        self._released.set()

    def keys(self) -> list[str]:
        """The ``Idempotency-Key`` of every request so far, in order of arrival."""
        with self._arrived:
            return [headers["Idempotency-Key"] for headers, _ in self.received]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The bodies once ``count`` requests arrived (woken by each arrival, no polling);
        AssertionError after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                assert left > 0, f"{len(self.received)} of {count} requests arrived"
                self._arrived.wait(left)
            return [body for _, body in self.received]


@contextmanager
def webhook_sink() -> Iterator[WebhookSink]:
    sink = WebhookSink()
    try:
        yield sink
    finally:
        sink._closing.set()
        sink.release()
        sink.server.shutdown()
        sink.server.server_close()
