"""The demo's pager: a local webhook receiver that prints every page it gets.

``tocsin demo`` starts it beside the server so a newcomer sees a page arrive without any
account anywhere: the demo world's users have webhook contact methods pointing here (and
email ones, which ``demo_mail`` receives and prints the same way).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from rich.console import Console
from rich.markup import escape

DEMO_SINK_PORT = 8089


def announce(label: str, said: str, details: Iterable[str], incident_id: str | None) -> str:
    """What the demo prints for one message received: ``label → said``, the indented
    ``details``, and the command showing the incident's delivery log (all escaped: a
    title is printed as written, never as Rich markup)."""
    lines = [f"[bold red]{label}[/bold red] → {escape(said)}"]
    lines += [escape(f"  {line}") for line in details]
    if incident_id:
        lines.append(escape(f"  delivery log: tocsin incidents deliveries {incident_id}"))
    return "\n".join(lines)


def describe(path: str, page: dict[str, Any]) -> str:
    """One page as the demo prints it."""
    if page.get("type") != "tocsin.page":
        return f"[bold]→ {escape(path)}[/bold]: {escape(json.dumps(page)[:200])}"
    incident = page["incident"]
    said = (
        f"{path.rsplit('/', 1)[-1]}: [{incident['severity'].upper()}] {incident['title']} "
        f"({incident['service']}), level {page['level']} of {page['policy']}"
    )
    links = (f"{action}: {url}" for action, url in (page.get("links") or {}).items())
    return announce("PAGE", said, links, incident["id"])


def start_demo_sink(console: Console, port: int = DEMO_SINK_PORT) -> ThreadingHTTPServer:
    """Serve the receiver on 127.0.0.1:``port`` in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                page = json.loads(body)
            except ValueError:
                page = {"raw": body.decode(errors="replace")}
            console.print(describe(self.path, page if isinstance(page, dict) else {}))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, name="tocsin-demo-sink", daemon=True).start()
    return server
