"""A real Tocsin server process on a free loopback port, for tests that talk HTTP."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

T = TypeVar("T")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServerProcess:
    """A running ``tocsin serve`` and how to reach it."""

    url: str
    database_url: str
    port: int
    proc: subprocess.Popen[bytes]
    log_path: Path
    extra_args: list[str] = field(default_factory=list)

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10, **kwargs)  # type: ignore[arg-type]

    def kill(self) -> None:
        """SIGKILL to every process of the server (``--workers`` children too): no
        chance to flush or clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def tocsin_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment for a tocsin subprocess pointed at ``database_url``."""
    env = dict(os.environ)
    env["TOCSIN_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def run_cli(
    database_url: str, *args: str, check: bool = True, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``tocsin ARGS`` as a user would, against ``database_url``."""
    return subprocess.run(
        [sys.executable, "-m", "tocsin", *args],
        env=tocsin_env(database_url, **env),
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def start_server(
    database_url: str,
    log_path: Path,
    *args: str,
    port: int | None = None,
    timeout: float = 30,
    ready_context: ssl.SSLContext | None = None,
    env: dict[str, str] | None = None,
) -> ServerProcess:
    """Start ``tocsin serve`` and wait until /readyz answers 200."""
    port = port or free_port()
    log = log_path.open("ab")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tocsin", "serve", "--port", str(port), *args],
        env=tocsin_env(database_url, **(env or {})),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill() reaches its workers too
    )
    scheme = "https" if ready_context is not None else "http"
    server = ServerProcess(
        f"{scheme}://127.0.0.1:{port}", database_url, port, proc, log_path, list(args)
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tocsin serve exited early:\n{server.log()}")
        try:
            verify: ssl.SSLContext | bool = ready_context or True
            if httpx.get(f"{server.url}/readyz", timeout=5, verify=verify).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"tocsin serve not ready after {timeout}s:\n{server.log()}")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 15.0) -> T:
    """Ask (for at most ``timeout`` seconds) until ``check`` returns a true value: a server
    acts on its own loop, a moment after the test sent something or moved its clock."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


@contextmanager
def running_server(database_url: str, log_path: Path, *args: str) -> Iterator[ServerProcess]:
    """A server for the duration of a ``with`` block."""
    server = start_server(database_url, log_path, *args)
    try:
        yield server
    finally:
        server.stop()
