"""The small pages a mailed link opens: a GET shows a button, only the POST acts.

Mail scanners pre-fetch links; were a GET to use the token, the scanner would
verify the address (or burn the reset link) before its owner clicks. The
token travels in the form's body on the POST, never in a log-prone URL twice.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from auth.identity import ANONYMOUS
from auth.mail_tokens import CHANGE_EMAIL, RESET, VERIFY
from config import Settings
from db.engine import Database
from mail import Mailer
from policies.authorizer import get_authorizer
from resolvers import accounts
from resolvers.mutations import run
from web.context import Context

MAX_FORM = 4096


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        f"<title>{escape(title)} - SUPLINKS</title>"
        "<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;"
        "padding:0 1rem}"
        "button,input{font:inherit;padding:.4rem .8rem}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})


INVALID = ("This link is invalid or has expired", "<p>Ask for a new mail and use its link.</p>")


async def _form(request: Request) -> dict[str, str]:
    raw = (await request.body())[:MAX_FORM].decode("utf-8", "replace")
    return {key: values[0] for key, values in parse_qs(raw).items()}


def mail_pages(settings: Settings, db: Database, mailer: Mailer) -> list[Route]:
    def context(request: Request) -> Context:
        return Context(
            db=db,
            settings=settings,
            authorizer=get_authorizer(),
            identity=ANONYMOUS,
            mailer=mailer,
            request=request,
        )

    async def verify(request: Request) -> HTMLResponse:
        ctx = context(request)
        if request.method == "GET":
            token = request.query_params.get("token", "")
            async with db.autocommit() as conn:
                live = await accounts.token_is_live(ctx, conn, token, (VERIFY, CHANGE_EMAIL))
            if not live:
                return _page(*INVALID, status=400)
            return _page(
                "Confirm your address",
                "<form method='post' action='/verify'>"
                f"<input type='hidden' name='token' value='{escape(token)}'>"
                "<button type='submit'>Confirm my address</button></form>",
            )
        token = (await _form(request)).get("token", "")
        _, errors = await run(ctx, lambda conn: accounts.verify_email(ctx, conn, token))
        if errors:
            return _page(*INVALID, status=400)
        return _page("Address confirmed", "<p>You can now log in to SUPLINKS.</p>")

    async def reset_password(request: Request) -> HTMLResponse:
        ctx = context(request)
        if request.method == "GET":
            token = request.query_params.get("token", "")
            async with db.autocommit() as conn:
                live = await accounts.token_is_live(ctx, conn, token, (RESET,))
            if not live:
                return _page(*INVALID, status=400)
            return _page(
                "Choose a new password",
                "<form method='post' action='/reset-password'>"
                f"<input type='hidden' name='token' value='{escape(token)}'>"
                "<p><input type='password' name='password' autocomplete='new-password'"
                " required minlength='10'></p>"
                "<button type='submit'>Set my password</button></form>",
            )
        form = await _form(request)
        token, password = form.get("token", ""), form.get("password", "")
        _, errors = await run(ctx, lambda conn: accounts.reset_password(ctx, conn, token, password))
        if errors:
            if errors[0].code == "INVALID_TOKEN":
                return _page(*INVALID, status=400)
            return _page("Choose a new password", f"<p>{escape(errors[0].message)}</p>", 400)
        return _page("Password changed", "<p>Every session ended. Log in with it now.</p>")

    return [
        Route("/verify", verify, methods=["GET", "POST"]),
        Route("/reset-password", reset_password, methods=["GET", "POST"]),
    ]
