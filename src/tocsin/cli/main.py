"""``tocsin``: serve, database, tokens, the world file, and listings."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from sqlalchemy import Connection

from tocsin.cli import incident_actions  # noqa: F401  (registers incidents ack/resolve/escalate)
from tocsin.cli.context import CliState, console, fail, state
from tocsin.cli.demo_mail import DEMO_SMTP_FROM, DEMO_SMTP_PORT, start_demo_mail
from tocsin.cli.demo_sink import DEMO_SINK_PORT, start_demo_sink
from tocsin.cli.heartbeats import heartbeats_app
from tocsin.cli.notify import notify_app
from tocsin.cli.policies import policy_app
from tocsin.cli.providers import providers_app
from tocsin.cli.read import alerts_app, incidents_app, integrations_app
from tocsin.cli.schedule_edits import override_app, swap_app
from tocsin.cli.schedules import oncall_command, schedule_app
from tocsin.cli.silences import silence_app
from tocsin.cli.timers import timers_app
from tocsin.cli.users import user_app
from tocsin.cli.world import apply_command, export_command
from tocsin.clock import SystemClock
from tocsin.core.paging import MAX_LIMIT, every_page
from tocsin.settings import Settings

app = typer.Typer(
    name="tocsin",
    help="Tocsin: self-hosted incident response.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens for /api/v1.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(alerts_app, name="alerts")
app.add_typer(incidents_app, name="incidents")
app.add_typer(integrations_app, name="integrations")
app.add_typer(heartbeats_app, name="heartbeats")
app.add_typer(timers_app, name="timers")
app.add_typer(providers_app, name="providers")
app.add_typer(policy_app, name="policy")
app.add_typer(silence_app, name="silence")
app.add_typer(schedule_app, name="schedule")
schedule_app.add_typer(swap_app, name="swap")
schedule_app.add_typer(override_app, name="override")
app.add_typer(user_app, name="user")
app.add_typer(notify_app, name="notify")
app.command("oncall")(oncall_command)
app.command("apply")(apply_command)
app.command("export")(export_command)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(help="SQLAlchemy URL [env TOCSIN_DATABASE_URL]", show_default=False),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="where the default SQLite file lives [env TOCSIN_DATA_DIR]"),
    ] = None,
) -> None:
    """Settings come from TOCSIN_* environment variables; these flags override them."""
    overrides: dict[str, object] = {}
    if database_url:
        overrides["database_url"] = database_url
    if data_dir:
        overrides["data_dir"] = data_dir
    try:
        ctx.obj = CliState(Settings(**overrides))  # type: ignore[arg-type]
    except ValidationError as error:
        fail("invalid settings: " + "; ".join(_setting_problem(e) for e in error.errors()), 2)


def _setting_problem(error: Any) -> str:
    """One settings error, named as the user sets it (TOCSIN_<NAME>)."""
    name = "TOCSIN_" + "_".join(str(part) for part in error["loc"]).upper()
    return f"{name}={error.get('input')!r}: {error['msg']}"


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (safe to run repeatedly)."""
    from tocsin.store.migrate import current_revision, upgrade

    st = state(ctx)
    _ensure_data_dir(st.settings)
    upgrade(st.engine)
    console.print(f"database at revision {current_revision(st.engine)}")


@db_app.command("current")
def db_current(ctx: typer.Context) -> None:
    """Show the database's migration revision and whether it is current."""
    from tocsin.store.migrate import current_revision, head_revision

    st = state(ctx)
    current, head = current_revision(st.engine), head_revision()
    console.print(f"current: {current}  head: {head}  {'(up to date)' if current == head else ''}")


@token_app.command("create")
def token_create(
    ctx: typer.Context, name: Annotated[str, typer.Option(help="who or what uses it")]
) -> None:
    """Create an API token; it is printed once and only its hash is stored."""
    from tocsin.directory.tokens import create_token
    from tocsin.inputs import MAX_NAME

    if not name.strip() or len(name) > MAX_NAME:
        fail(f"--name must be 1 to {MAX_NAME} characters")
        return
    st = state(ctx)
    with st.engine.begin() as conn:
        token = create_token(conn, name=name, now=SystemClock().now())
    console.print(f"token {token.name!r} ({token.id}); it is shown only now:")
    print(token.secret)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="address to listen on [127.0.0.1]")] = None,
    port: Annotated[int | None, typer.Option(help="port [8080]")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="processes (PostgreSQL)")] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="JSON log lines")] = False,
    migrate: Annotated[bool, typer.Option(help="apply migrations on start")] = True,
    ssl_certfile: Annotated[Path | None, typer.Option(help="serve HTTPS with this cert")] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="key for --ssl-certfile")] = None,
    role: Annotated[
        str | None,
        typer.Option(help="all | api (HTTP only) | worker (timers and pages only) [all]"),
    ] = None,
) -> None:
    """Serve ingest, the API, health and metrics; run timers and send pages."""
    st = state(ctx)
    flags = {
        "host": host,
        "port": port,
        "workers": workers,
        "ssl_certfile": ssl_certfile,
        "ssl_keyfile": ssl_keyfile,
        "role": role,
    }
    if role is not None and role not in ("all", "api", "worker"):
        fail(f"--role must be all, api or worker, not {role!r}")
    settings = st.settings.model_copy(
        update={k: v for k, v in flags.items() if v is not None}
        | ({"log_json": True} if log_json else {})
    )
    run_server(settings, migrate=migrate)


def run_server(settings: Settings, *, migrate: bool = True, banner: str = "") -> None:
    """Migrate (unless told not to), print where we listen, and run uvicorn."""
    import uvicorn

    from tocsin.api.app import create_app
    from tocsin.observability.logs import configure_logging, logging_config
    from tocsin.store.db import create_db_engine, is_sqlite
    from tocsin.store.migrate import upgrade

    configure_logging(json_lines=settings.log_json, level=settings.log_level)
    _ensure_data_dir(settings)
    url = settings.resolved_database_url()
    if migrate:
        engine = create_db_engine(url)
        upgrade(engine)
        engine.dispose()
    if settings.workers > 1 and is_sqlite(url):
        console.print(
            "[yellow]warning:[/yellow] SQLite wants one writer; use PostgreSQL for --workers > 1"
        )
    if settings.role != "all" and is_sqlite(url):
        fail(
            f"--role {settings.role} splits Tocsin across processes, which needs PostgreSQL; "
            "on SQLite run one process with --role all"
        )
    if banner:
        console.print(banner)
    console.print(f"Tocsin listening on {settings.base_url()}", highlight=False)
    common: dict[str, object] = {
        "host": settings.host,
        "port": settings.port,
        "loop": "uvloop",
        "http": "httptools",
        "log_config": logging_config(json_lines=settings.log_json, level=settings.log_level),
        "access_log": False,
        "timeout_graceful_shutdown": 10,
    }
    if settings.ssl_certfile:
        common["ssl_certfile"] = str(settings.ssl_certfile)
        common["ssl_keyfile"] = str(settings.ssl_keyfile) if settings.ssl_keyfile else None
    if settings.workers > 1:
        # Worker processes build their own app from the environment.
        for key, value in settings.model_dump(exclude_none=True).items():
            os.environ[f"TOCSIN_{key.upper()}"] = str(value)
        uvicorn.run(
            "tocsin.api.app:create_app_from_env",
            factory=True,
            workers=settings.workers,
            **common,  # type: ignore[arg-type]
        )
    else:
        uvicorn.run(create_app(settings), **common)  # type: ignore[arg-type]


@app.command()
def demo(
    ctx: typer.Context,
    world: Annotated[Path, typer.Option(help="world file to apply")] = Path("examples/demo.yaml"),
    port: Annotated[int, typer.Option(help="port")] = 8080,
    sink: Annotated[
        bool,
        typer.Option(
            help=f"print pages sent to 127.0.0.1:{DEMO_SINK_PORT} (the demo pager) and email "
            f"sent to 127.0.0.1:{DEMO_SMTP_PORT} (the demo mailbox, unless TOCSIN_SMTP_HOST "
            "is set)"
        ),
    ] = True,
) -> None:
    """Create the database, apply the demo world, make an admin token, start the demo
    pager and mailbox, and serve."""
    from tocsin.directory.services import list_change_sources, list_integrations
    from tocsin.directory.tokens import create_token
    from tocsin.heartbeats.queries import list_heartbeats
    from tocsin.store.migrate import upgrade
    from tocsin.world import WorldFileError, apply_world, load_world_file

    st = state(ctx)
    settings = st.settings.model_copy(update={"port": port})
    _ensure_data_dir(settings)
    upgrade(st.engine)
    now = SystemClock().now()
    try:
        apply_world(st.engine, load_world_file(world), now)
    except WorldFileError as exc:
        fail(str(exc))
        return
    with st.engine.begin() as conn:
        token = create_token(conn, name="demo-admin", now=now)
        base = settings.base_url()
        integrations = every_page(
            lambda cursor: list_integrations(conn, base, limit=MAX_LIMIT, cursor=cursor)
        )
        sources = list_change_sources(conn, base)
        silence = _demo_silence(conn, now)
        beats = every_page(
            lambda cursor: list_heartbeats(conn, base, limit=MAX_LIMIT, cursor=cursor)
        )
    lines = [
        "",
        f"[bold]Tocsin demo[/bold] on {settings.base_url()}",
        f"Database: {settings.resolved_database_url()}",
        f"Admin API token (shown once): [bold]{token.secret}[/bold]",
        f"  curl -H 'Authorization: Bearer {token.secret}' {settings.base_url()}/api/v1/alerts",
        "Ingest URLs:",
    ]
    for i in integrations:
        lines.append(f"  {i.service}/{i.name} ({i.type}): POST {i.ingest_url}  key {i.key}")
    for s in sources:
        lines.append(f"  change source {s.name}: POST {s.ingest_url}  key {s.key}")
    for beat in beats:
        lines.append(f"  heartbeat {beat.name}: GET/POST {beat.ping_url}")
    lines.append(f"Demo silence {silence}: alerts labelled env=staging do not page for a week")
    lines.append("Who is on call: tocsin oncall   Schedules: tocsin schedule list")
    if sink:
        try:
            start_demo_sink(console)
        except OSError as exc:
            lines.append(
                f"[yellow]The demo pager could not listen on {DEMO_SINK_PORT}: {exc}[/yellow]"
            )
        else:
            checkout = next((i for i in integrations if i.service == "checkout"), None)
            if checkout is not None:
                lines += [
                    "Page someone (the demo pager prints what the checkout policy sends):",
                    f"  curl -s {checkout.ingest_url} -H 'Content-Type: application/json' \\",
                    f'    -d \'{{"routing_key": "{checkout.key}",',
                    '         "event_action": "trigger", "payload": {"summary":',
                    '         "Checkout errors above 2%", "source": "demo", "severity":',
                    '         "critical"}}\'',
                ]
        if settings.smtp_host is None:  # the user's own relay, when set, is left alone
            try:
                start_demo_mail(console)
            except OSError as exc:
                lines.append(
                    f"[yellow]The demo mailbox could not listen on {DEMO_SMTP_PORT}: {exc}; "
                    "email pages fail in the delivery log[/yellow]"
                )
            else:
                settings = settings.model_copy(update=_demo_smtp(settings))
                lines.append(f"Email pages go to the demo mailbox on 127.0.0.1:{DEMO_SMTP_PORT}")
    run_server(settings, migrate=False, banner="\n".join(lines) + "\n")


def _demo_smtp(settings: Settings) -> dict[str, object]:
    """The SMTP settings of the demo process that send its email to the demo mailbox
    (a local peer: no STARTTLS); a sender the user set is kept."""
    return {
        "smtp_host": "127.0.0.1",
        "smtp_port": DEMO_SMTP_PORT,
        "smtp_from": settings.smtp_from or DEMO_SMTP_FROM,
        "smtp_starttls": False,
    }


def _demo_silence(conn: Connection, now: datetime) -> str:
    """The demo's example silence (silences are runtime objects, not part of the world)."""
    from tocsin.silences import service as silences

    every = every_page(
        lambda cursor: silences.list_silences(conn, now, limit=MAX_LIMIT, cursor=cursor)
    )
    for existing in every:
        if existing.created_by == "tocsin demo":
            return existing.id
    created = silences.create_silence(
        conn,
        matchers=["env=staging"],
        starts_at=now,
        ends_at=now + timedelta(days=7),
        created_by="tocsin demo",
        comment="example: staging alerts never page",
        service_names=[],
        now=now,
    )
    return created.id


def _ensure_data_dir(settings: Settings) -> None:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
