"""Verifying contact methods over HTTP, on SQLite and PostgreSQL, with real peers.

Codes go out for real: email to an SMTP server (aiosmtpd) running in this process, webhooks
to an ``http.server`` in a thread; the tests read the code from what those peers received.
Two servers per database: ``tocsin serve`` configured through ``TOCSIN_SMTP_*`` (the way an
operator runs it), and the same app in this process on a ``ManualClock``, for the rules
that need time to pass (expiry, the resend limit, lifting a lockout) without sleeping.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from tests.support.databases import BACKENDS, database_url
from tests.support.server import ServerProcess, free_port, run_cli, start_server
from tests.support.smtp import CODE, WAIT, Inbox
from tocsin.api.app import create_app
from tocsin.clock import ManualClock
from tocsin.settings import Settings

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@dataclass
class Hooks:
    """An HTTP server that answers 204 on ``/hooks/*`` and 500 on ``/broken/*``."""

    server: ThreadingHTTPServer
    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def take(self, path: str) -> dict[str, Any]:
        with self.arrived:
            assert self.arrived.wait_for(lambda: self.received.get(path), WAIT), path
            return self.received.pop(path)[-1]


@pytest.fixture(scope="module")
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def hooks() -> Iterator[Hooks]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with peer.arrived:
                peer.received.setdefault(self.path, []).append(body)
                peer.arrived.notify_all()
            self.send_response(204 if self.path.startswith("/hooks/") else 500)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    peer = Hooks(ThreadingHTTPServer(("127.0.0.1", 0), Receiver))
    thread = threading.Thread(target=peer.server.serve_forever, daemon=True)
    thread.start()
    yield peer
    peer.server.shutdown()
    peer.server.server_close()


def world(hooks: Hooks, *, kim: str | None = "kim@example.com") -> str:
    """Users with one job each in the tests below (``kim=None`` deletes kim)."""
    kim_entry = f"  - name: kim\n    contact_methods: [{{type: email, address: {kim}}}]\n"
    return f"""\
version: 1
users:
  - name: ann
    contact_methods:
      - {{type: email, address: ann@example.com}}
      - {{type: sms, address: "+4915100000001"}}
  - name: ben
    contact_methods: [{{type: webhook, address: "{hooks.url}/hooks/ben"}}]
  - name: cal
    contact_methods: [{{type: email, address: cal@example.com}}]
  - name: dan
    contact_methods: [{{type: email, address: dan@example.com}}]
  - name: eve
  - name: fay
    contact_methods: [{{type: webhook, address: "{hooks.url}/broken/fay"}}]
  - name: gus
    contact_methods: [{{type: email, address: gus@example.com}}]
  - name: hal
    contact_methods: [{{type: webhook, address: "not a url"}}]
  - name: ivy
    contact_methods: [{{type: email, address: ivy@example.com}}]
  - name: lia
    contact_methods: [{{type: email, address: lia@example.com}}]
  - name: max
    contact_methods: [{{type: email, address: max@example.com}}]
  - name: ned
    contact_methods: [{{type: email, address: ned@example.com}}]
{kim_entry if kim else ""}"""


@dataclass
class Site:
    """A Tocsin reachable over HTTP with an API token; ``clock`` when the test moves time."""

    url: str
    token: str
    database_url: str
    world_path: Path
    clock: ManualClock | None = None

    def api(self) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"}
        return httpx.Client(base_url=self.url, timeout=30, headers=headers)

    def send(self, user: str, index: int = 0) -> httpx.Response:
        with self.api() as api:
            return api.post(f"/api/v1/users/{user}/contact-methods/{index}/verification")

    def verify(self, user: str, code: str, index: int = 0) -> httpx.Response:
        with self.api() as api:
            return api.post(
                f"/api/v1/users/{user}/contact-methods/{index}/verify", json={"code": code}
            )

    def user(self, name: str) -> dict[str, Any]:
        with self.api() as api:
            found = api.get(f"/api/v1/users/{name}")
        assert found.status_code == 200, found.text
        result: dict[str, Any] = found.json()
        return result

    def advance(self, delta: timedelta) -> None:
        assert self.clock is not None
        self.clock.advance(delta)


@contextmanager
def smtp_env(inbox: Inbox) -> Iterator[None]:
    """``TOCSIN_SMTP_*`` set for the processes started inside the block."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in inbox.env().items():
            env.setenv(name, value)
        yield


def prepared_database(url: str, world_path: Path) -> str:
    """Migrate, apply the world and return a new API token."""
    run_cli(url, "db", "upgrade")
    run_cli(url, "apply", "-f", str(world_path))
    return run_cli(url, "token", "create", "--name", "tests").stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module", params=BACKENDS)
def served(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    inbox: Inbox,
    hooks: Hooks,
) -> Iterator[Site]:
    """``tocsin serve`` with ``TOCSIN_SMTP_*`` pointing at the inbox, on the real clock."""
    tmp = tmp_path_factory.mktemp(f"verify-served-{request.param}")
    world_path = tmp / "world.yaml"
    world_path.write_text(world(hooks))
    with database_url(request.param, tmp) as url:
        token = prepared_database(url, world_path)
        with smtp_env(inbox):
            server: ServerProcess = start_server(url, tmp / "server.log")
        try:
            yield Site(server.url, token, url, world_path)
        finally:
            server.stop()


@contextmanager
def app_in_this_process(settings: Settings, clock: ManualClock) -> Iterator[str]:
    """The Tocsin app on ``clock``, served by uvicorn on a loopback port; yields its URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, clock, run_timers=False),
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="tocsin-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)  # waiting for startup, not moving time
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture(scope="module", params=BACKENDS)
def clocked(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    inbox: Inbox,
    hooks: Hooks,
) -> Iterator[Site]:
    """The same app on a ManualClock at T0 that tests move."""
    tmp = tmp_path_factory.mktemp(f"verify-clocked-{request.param}")
    world_path = tmp / "world.yaml"
    world_path.write_text(world(hooks))
    with database_url(request.param, tmp) as url:
        token = prepared_database(url, world_path)
        settings = Settings(
            database_url=url,
            smtp_host="127.0.0.1",
            smtp_port=inbox.port,
            smtp_from="tocsin@example.com",
            smtp_starttls=False,
        )
        clock = ManualClock(T0)
        with app_in_this_process(settings, clock) as base_url:
            yield Site(base_url, token, url, world_path, clock)


def other_than(code: str) -> str:
    """A well-formed code that is not ``code``."""
    return "000000" if code != "000000" else "111111"


def error(response: httpx.Response, status: int, code: str) -> str:
    """Assert ``response`` is the API's JSON error ``code`` with ``status``; its message."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    message: str = body["message"]
    return message


# --- the happy paths -------------------------------------------------------------------


def test_an_emailed_code_verifies_the_address(served: Site, inbox: Inbox) -> None:
    assert served.user("ann")["contact_methods"][0]["verified"] is False

    sent = served.send("ann")
    assert sent.status_code == 200, sent.text
    assert sent.json()["type"] == "email"
    assert sent.json()["address"] == "ann@example.com"
    mail = inbox.take("ann@example.com")
    assert mail["From"] == "tocsin@example.com"
    body = mail.get_body(("plain",))
    assert body is not None
    found = CODE.search(body.get_content())
    assert found is not None

    done = served.verify("ann", found.group(1))
    assert done.status_code == 200, done.text
    assert done.json()["verified"] is True
    methods = served.user("ann")["contact_methods"]
    assert methods[0]["verified"] is True
    assert methods[0]["verified_at"] == done.json()["verified_at"]
    assert methods[1]["verified"] is False  # the sms number is another method


def test_a_webhook_receives_the_code_as_json_and_it_verifies(served: Site, hooks: Hooks) -> None:
    assert served.send("ben").status_code == 200
    received = hooks.take("/hooks/ben")
    assert received["type"] == "tocsin.verification"
    assert received["user"] == "ben"
    assert re.fullmatch(r"\d{6}", received["code"])

    assert served.verify("ben", received["code"]).status_code == 200
    assert served.user("ben")["contact_methods"][0]["verified"] is True


def test_the_cli_sends_and_verifies_like_the_api(served: Site, inbox: Inbox) -> None:
    with smtp_env(inbox):
        sent = run_cli(served.database_url, "user", "verify-send", "gus", "0")
    assert "sent a code to gus's email gus@example.com" in sent.stdout
    code = inbox.code("gus@example.com")

    wrong = run_cli(
        served.database_url, "user", "verify", "gus", "0", other_than(code), check=False
    )
    assert wrong.returncode == 1
    assert "wrong code" in wrong.stderr
    assert "invalid_code" in wrong.stderr

    done = run_cli(served.database_url, "user", "verify", "gus", "0", code, "--json")
    assert json.loads(done.stdout)["verified"] is True
    assert served.user("gus")["contact_methods"][0]["verified"] is True


def test_schedule_check_lists_users_until_a_method_is_verified(served: Site, inbox: Inbox) -> None:
    def unverified() -> list[str]:
        done = run_cli(served.database_url, "schedule", "check", "--json", check=False)
        found: list[str] = json.loads(done.stdout)["users_without_verified_contact_methods"]
        return found

    assert {"eve", "ivy"} <= set(unverified())  # eve has no method, ivy one not verified
    text = run_cli(served.database_url, "schedule", "check", check=False)
    assert text.returncode == 1
    assert "user ivy has no verified contact method" in text.stdout

    assert served.send("ivy").status_code == 200
    assert served.verify("ivy", inbox.code("ivy@example.com")).status_code == 200
    assert "ivy" not in unverified()
    assert "eve" in unverified()


# --- what is refused, always as a JSON error -------------------------------------------


def test_channels_that_do_not_exist_yet_say_so(served: Site) -> None:
    message = error(served.send("ann", index=1), 409, "channel_not_configured")
    assert "sms" in message
    assert "not available yet" in message


def test_unknown_users_and_indexes_are_404(served: Site) -> None:
    assert "zed" in error(served.send("zed"), 404, "not_found")
    assert "0 to 1" in error(served.send("ann", index=2), 404, "not_found")
    error(served.send("ann", index=-1), 404, "not_found")
    assert "none at all" in error(served.send("eve"), 404, "not_found")
    error(served.verify("zed", "123456"), 404, "not_found")
    error(served.verify("ann", "123456", index=7), 404, "not_found")


def test_malformed_requests_are_400(served: Site) -> None:
    with served.api() as api:
        not_a_number = api.post("/api/v1/users/ann/contact-methods/first/verification")
        no_code = api.post("/api/v1/users/ann/contact-methods/0/verify", json={})
    error(not_a_number, 400, "invalid_request")
    error(no_code, 400, "invalid_request")


def test_verifying_without_a_code_sent_is_a_conflict(served: Site) -> None:
    error(served.verify("ned", "123456"), 409, "no_code_sent")


def test_a_wrong_code_counts_and_five_lock_the_code(served: Site, inbox: Inbox) -> None:
    assert served.send("cal").status_code == 200
    code = inbox.code("cal@example.com")
    wrong = other_than(code)
    assert "4 attempt(s) left" in error(served.verify("cal", wrong), 400, "invalid_code")
    for _ in range(3):
        error(served.verify("cal", wrong), 400, "invalid_code")
    assert "last attempt" in error(served.verify("cal", wrong), 400, "invalid_code")

    error(served.verify("cal", code), 429, "too_many_attempts")  # even the right one
    assert served.user("cal")["contact_methods"][0]["verified"] is False


def test_a_second_code_within_a_minute_is_refused(served: Site, inbox: Inbox) -> None:
    assert served.send("dan").status_code == 200
    first = inbox.code("dan@example.com")
    assert "ask again in" in error(served.send("dan"), 429, "rate_limited")
    assert served.verify("dan", first).status_code == 200  # the first code still works


def test_a_receiver_that_fails_is_reported_and_nothing_is_recorded(
    served: Site, hooks: Hooks
) -> None:
    assert "HTTP 500" in error(served.send("fay"), 502, "delivery_failed")
    assert hooks.take("/broken/fay")["user"] == "fay"
    # Not delivered, so not counted against the resend limit, and no code is pending.
    error(served.send("fay"), 502, "delivery_failed")
    error(served.verify("fay", "123456"), 409, "no_code_sent")


def test_an_address_that_is_not_a_url_is_refused(served: Site) -> None:
    assert "not an http" in error(served.send("hal"), 409, "invalid_address")


def test_email_without_smtp_settings_is_not_configured(served: Site) -> None:
    done = run_cli(
        served.database_url, "user", "verify-send", "ann", "0", TOCSIN_SMTP_HOST="", check=False
    )
    assert done.returncode == 1
    assert "TOCSIN_SMTP_HOST" in done.stderr
    assert "channel_not_configured" in done.stderr


# --- rules that need time to pass (the in-process server's clock) ----------------------


def test_a_code_expires_after_fifteen_minutes(clocked: Site, inbox: Inbox) -> None:
    # The module's clock has moved as far as the tests before this one took it.
    assert clocked.clock is not None
    expires = (clocked.clock.now() + timedelta(minutes=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    sent = clocked.send("lia")
    assert sent.status_code == 200, sent.text
    assert sent.json()["expires_at"] == expires
    code = inbox.code("lia@example.com")

    clocked.advance(timedelta(minutes=15))
    assert expires[11:] in error(clocked.verify("lia", code), 400, "code_expired")

    assert clocked.send("lia").status_code == 200
    fresh = inbox.code("lia@example.com")
    clocked.advance(timedelta(minutes=14, seconds=59))
    assert clocked.verify("lia", fresh).status_code == 200


def test_a_new_code_may_be_sent_a_minute_later_and_replaces_the_old(
    clocked: Site, inbox: Inbox
) -> None:
    assert clocked.send("max").status_code == 200
    old = inbox.code("max@example.com")
    clocked.advance(timedelta(seconds=59))
    assert "ask again in 1 s" in error(clocked.send("max"), 429, "rate_limited")

    clocked.advance(timedelta(seconds=1))
    assert clocked.send("max").status_code == 200
    new = inbox.code("max@example.com")
    for _ in range(3):  # the same six digits twice (one chance in a million): send again
        if new != old:
            break
        clocked.advance(timedelta(minutes=1))
        assert clocked.send("max").status_code == 200
        new = inbox.code("max@example.com")
    assert new != old
    error(clocked.verify("max", old), 400, "invalid_code")  # always checked, never skipped
    assert clocked.verify("max", new).status_code == 200


def test_a_new_code_lifts_the_lockout(clocked: Site, inbox: Inbox) -> None:
    assert clocked.send("cal").status_code == 200
    code = inbox.code("cal@example.com")
    wrong = other_than(code)
    for _ in range(5):
        error(clocked.verify("cal", wrong), 400, "invalid_code")
    error(clocked.verify("cal", code), 429, "too_many_attempts")

    clocked.advance(timedelta(minutes=1))
    assert clocked.send("cal").status_code == 200
    assert clocked.verify("cal", inbox.code("cal@example.com")).status_code == 200


def test_reapplying_the_world_keeps_verification_and_a_new_address_starts_unverified(
    clocked: Site, inbox: Inbox, hooks: Hooks
) -> None:
    assert clocked.send("kim").status_code == 200
    assert clocked.verify("kim", inbox.code("kim@example.com")).status_code == 200

    run_cli(clocked.database_url, "apply", "-f", str(clocked.world_path))
    assert clocked.user("kim")["contact_methods"][0]["verified"] is True

    clocked.world_path.write_text(world(hooks, kim="kim@new.example.com"))
    run_cli(clocked.database_url, "apply", "-f", str(clocked.world_path))
    method = clocked.user("kim")["contact_methods"][0]
    assert method == {
        "type": "email",
        "address": "kim@new.example.com",
        "fallback": [],
        "verified": False,
        "verified_at": None,
        "test_confirmed": False,
        "test_confirmed_at": None,
        "last_error": None,
        "last_error_at": None,
    }
    # Edited back, the old address must be verified again: apply forgot it.
    clocked.world_path.write_text(world(hooks))
    run_cli(clocked.database_url, "apply", "-f", str(clocked.world_path))
    assert clocked.user("kim")["contact_methods"][0]["verified"] is False

    clocked.world_path.write_text(world(hooks, kim=None))  # a verified user can be deleted
    run_cli(clocked.database_url, "apply", "-f", str(clocked.world_path))
    with clocked.api() as api:
        assert api.get("/api/v1/users/kim").status_code == 404
