"""``/act/{token}``: acknowledge or resolve an incident from the link in a page, or
confirm that a test page arrived.

``GET`` shows what the link will do, with one button; the button's ``POST`` does it.
A link that fetching alone acted on would be acted on by mail scanners and chat link
previews before anyone read the page. Acting is idempotent: an incident already
acknowledged (or resolved) says so. No login: the signed link is the permission
(``notify.links``); a bad or expired link is a 403 with a JSON ``code``.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from tocsin.api.errors import ApiError
from tocsin.api.rest.deps import RuntimeDep
from tocsin.core.events import Action
from tocsin.engine.writer import StorageError
from tocsin.incidents.actions import ActResult, act_on_incident
from tocsin.notify.links import ActionLink, LinkError, verify
from tocsin.notify.test_pages import Confirmation, confirm_test_page
from tocsin.runtime import Runtime

router = APIRouter(tags=["notifications"])

_DONE = {"acknowledge": "acknowledged", "resolve": "resolved"}


def _link(runtime: Runtime, token: str) -> ActionLink:
    try:
        return verify(token, runtime.links.key, runtime.clock.now())
    except LinkError as exc:
        raise ApiError(403, exc.code, exc.message) from None


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        "<body style='font:1.1rem system-ui;max-width:32rem;margin:2rem auto;padding:0 1rem'>"
        f"{body}</body></html>",
        status_code=status,
    )


@router.get("/act/{token}", response_class=HTMLResponse)
def confirm(token: str, runtime: RuntimeDep) -> HTMLResponse:
    """What the link will do, and the button that does it."""
    link = _link(runtime, token)
    verb = link.action.capitalize()
    what = "the test page reached you" if link.action == "confirm" else "incident"
    subject = "" if link.action == "confirm" else f" {escape(link.subject)}"
    return _page(
        f"{verb} {what}",
        f"<h1>{verb} {what}{subject}?</h1>"
        f"<p>As {escape(link.user)}. The link works until {link.expires:%Y-%m-%d %H:%M} UTC.</p>"
        f"<form method=post><button style='font-size:1.3rem;padding:.6rem 1.4rem'>{verb}"
        "</button></form>",
    )


@router.post("/act/{token}", response_class=HTMLResponse)
async def act(token: str, runtime: RuntimeDep) -> HTMLResponse:
    """Acknowledge or resolve the incident, or confirm the test page; say what happened."""
    link = _link(runtime, token)
    if link.action == "confirm":
        return await _confirm_test_page(link, runtime)
    result = ActResult()
    action = Action.ACKNOWLEDGE if link.action == "acknowledge" else Action.RESOLVE
    try:
        await runtime.writer.run(
            act_on_incident(
                link.subject,
                action,
                by=link.user,
                via="link",
                now=runtime.clock.now(),
                result=result,
            )
        )
    except StorageError:
        raise ApiError(503, "unavailable", "could not store that now; try again") from None
    if not result.found:
        raise ApiError(404, "not_found", f"no incident {link.subject}")
    done = _DONE[link.action]
    name = f"“{escape(result.title)}” ({escape(result.service)})"
    if not result.changed:
        return _page(
            "Nothing to do", f"<h1>Already {escape(result.status_before)}</h1><p>{name}</p>"
        )
    what = (
        f"{result.alerts} alert{'s' if result.alerts != 1 else ''} {done}"
        if result.alerts
        else f"the incident {done} (its alerts had resolved)"
    )
    return _page(
        done.capitalize(),
        f"<h1>{done.capitalize()} by {escape(link.user)}</h1><p>{name}: {what}.</p>",
    )


async def _confirm_test_page(link: ActionLink, runtime: Runtime) -> HTMLResponse:
    """Record that the test message reached its user (once; again: say when it was)."""
    done = Confirmation()
    now = runtime.clock.now()
    try:
        await runtime.writer.run(confirm_test_page(link.subject, link.user, now, done))
    except StorageError:
        raise ApiError(503, "unavailable", "could not store that now; try again") from None
    if not done.found:
        raise ApiError(404, "not_found", "this test page no longer exists")
    method = f"{escape(done.method['type'])} contact method {done.method['index']}"
    if not done.changed:
        when = f"{done.at:%Y-%m-%d %H:%M} UTC" if done.at else "before"
        return _page("Nothing to do", f"<h1>Already confirmed</h1><p>{method}, at {when}.</p>")
    return _page(
        "Confirmed",
        f"<h1>Confirmed</h1><p>The test page reached {escape(link.user)} through {method}.</p>",
    )
