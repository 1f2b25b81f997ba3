"""The explorer in a real browser.

The real service runs as a subprocess (``app.py serve --demo``) and Debian's
Chromium, driven by Playwright, logs in from the GraphiQL page, then asks
``viewer`` with nothing but the session cookie. Every request the page makes is
recorded: none may leave 127.0.0.1. And nothing typed in the page (a password,
an ``Authorization`` header) may end up in the browser's storage.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app import CONTENT_SECURITY_POLICY
from auth.identity import SESSION_COOKIE
from config import PROJECT_ROOT
from demo.seed import DEMO_PASSWORD
from static.fetch_assets import missing_assets
from tests.conftest import drop_database, fresh_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_LOGIN = "rita@northwind.example"
# Never persisted, so never found in the browser's storage.
HEADER_MARKER = "Bearer graphiql-storage-marker-7f3a"


def _skip_reason() -> str | None:
    if not CHROMIUM.exists():
        return f"no browser at {CHROMIUM} (apt-get install chromium)"
    if missing_assets():
        return "GraphiQL assets are missing (make assets)"
    return None


pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or ""),
]

playwright_api = pytest.importorskip("playwright.async_api")


@dataclass(frozen=True)
class Service:
    url: str
    port: int


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
async def service() -> AsyncIterator[Service]:
    """``app.py serve --demo`` on a free port, on a database of its own.

    Without ``DATABASE_URL`` it starts its own embedded server in a temporary
    data folder. With it, serve would migrate and seed that database, so it is
    pointed at a fresh database on the same server, dropped afterwards.
    """
    data_dir = Path(tempfile.mkdtemp(prefix="suplinks-browser-"))
    port = _free_port()
    env = {**os.environ, "SUPLINKS_DATA_DIR": str(data_dir), "SUPLINKS_ENV": "development"}
    env.pop("XDG_RUNTIME_DIR", None)  # the embedded server's runtime folder goes in data_dir
    external = os.environ.get("DATABASE_URL")
    database = f"suplinks_browser_{os.getpid()}"
    if external:
        env["DATABASE_URL"] = await fresh_database(external, database)
    log_path = data_dir / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py", "serve", "--port", str(port), "--demo"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        await _wait_ready(url, process, log_path)
        yield Service(url=url, port=port)
    finally:
        # Ctrl-C, as for `make run`: uvicorn re-raises the signal it caught after
        # shutting down, and SIGINT (unlike SIGTERM's default action) lets the
        # process's exit hooks stop its embedded PostgreSQL.
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.to_thread(process.wait, 60)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
        if external:
            await drop_database(external, database)
        shutil.rmtree(data_dir, ignore_errors=True)


async def _wait_ready(url: str, process: subprocess.Popen, log_path: Path) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(240):
            if process.poll() is not None:
                pytest.fail(f"serve exited with {process.returncode}:\n{log_path.read_text()}")
            try:
                if (await client.get("/readyz", timeout=2)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    pytest.fail(f"serve was not ready after 120 s:\n{log_path.read_text()}")


async def _alias_over_http(url: str) -> str:
    """The demo member's alias, asked directly: what the page must show."""
    login = f'mutation {{ logIn(email: "{DEMO_LOGIN}", password: "{DEMO_PASSWORD}") {{ token }} }}'
    async with httpx.AsyncClient(base_url=url) as client:
        token = (await client.post("/graphql", json={"query": login})).json()
        token = token["data"]["logIn"]["token"]
        response = await client.post(
            "/graphql",
            json={"query": "{ viewer { profile { alias } } }"},
            headers={"authorization": f"Bearer {token}"},
        )
    return response.json()["data"]["viewer"]["profile"]["alias"]


async def _run(page, query: str) -> None:
    """Replace the query editor's text as a user does (click, select all, type), then run it."""
    await page.click(".graphiql-query-editor .CodeMirror")
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(query)
    # GraphiQL parses the editor 100 ms after the last edit; running earlier sends
    # the previous operation's name.
    await page.wait_for_function(
        """text => {
             const cm = document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror;
             return cm.getValue() === text && cm.documentAST
                 && cm.documentAST.loc.source.body === text;
           }""",
        arg=query,
    )
    await page.click(".graphiql-execute-button")


async def _set_headers(page, headers: str) -> None:
    await page.click(".graphiql-editor-tools button:has-text('Headers')")
    await page.click(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    await page.keyboard.press("Control+A")
    await page.keyboard.insert_text(headers)


async def test_log_in_then_viewer_in_the_page_with_no_request_off_the_machine(service: Service):
    expected_alias = await _alias_over_http(service.url)
    expect = playwright_api.expect
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page()
            requests: list[tuple[str, str | None]] = []
            problems: list[str] = []
            page.on("request", lambda r: requests.append((r.url, r.headers.get("authorization"))))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            # Any Content-Security-Policy violation (a style or script the policy
            # blocks), whatever the console makes of it.
            page.on(
                "console",
                lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
            )
            await page.add_init_script(
                "window.cspViolations = [];"
                "document.addEventListener('securitypolicyviolation', e =>"
                " window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));"
            )

            response = await page.goto(f"{service.url}/graphql")
            assert response is not None and response.status == 200
            assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
            result = page.locator(".result-window")

            # Not logged in yet: the page has no session of its own.
            await _run(page, "{ viewer { profile { alias } } }")
            await expect(result).to_contain_text('"viewer": null', timeout=20_000)

            await _run(
                page,
                f'mutation {{ logIn(email: "{DEMO_LOGIN}", password: "{DEMO_PASSWORD}") '
                "{ userErrors { code message } } }",
            )
            await expect(result).to_contain_text('"userErrors": []', timeout=20_000)
            cookies = {c["name"]: c for c in await page.context.cookies()}
            assert cookies[SESSION_COOKIE]["httpOnly"] is True
            assert cookies[SESSION_COOKIE]["sameSite"] == "Strict"
            assert SESSION_COOKIE not in await page.evaluate("document.cookie")

            # The cookie alone makes the next query run as the member.
            await _run(page, "{ viewer { profile { alias } } }")
            await expect(result).to_contain_text(expected_alias, timeout=20_000)
            assert not any(auth for _, auth in requests), "no token was typed, none sent"

            # A header typed in the page is sent, but never kept in the browser's storage.
            await _set_headers(page, json.dumps({"Authorization": HEADER_MARKER}))
            await _run(page, "{ __typename }")
            # The marker is no valid token: the service answers that, which proves it was sent.
            await expect(result).to_contain_text("UNAUTHENTICATED", timeout=20_000)
            assert (f"{service.url}/graphql", HEADER_MARKER) in requests
            await page.wait_for_timeout(1_000)  # GraphiQL writes its storage 500 ms after a change
            stored = await page.evaluate(
                "JSON.stringify({local: {...localStorage}, session: {...sessionStorage}})"
            )
            for secret in ("authorization", HEADER_MARKER.lower(), DEMO_PASSWORD.lower()):
                assert secret not in stored.lower(), f"{secret!r} persisted in {stored}"

            assert problems == []
            assert await page.evaluate("window.cspViolations") == []
        finally:
            await browser.close()

    urls = [url for url, _ in requests]
    assert f"{service.url}/static/vendor/graphiql-3.8.3/graphiql.min.js" in urls
    off_machine = [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).hostname, urlsplit(url).port) != ("127.0.0.1", service.port)
    ]
    assert off_machine == []


STORED_MARKUP = '<img src=x onerror="window.xss=1"><script>window.xss=2</script>'


async def _store_headline(url: str, headline: str) -> None:
    """The demo member's headline, set over HTTP as any client would."""
    login = f'mutation {{ logIn(email: "{DEMO_LOGIN}", password: "{DEMO_PASSWORD}") {{ token }} }}'
    update = """mutation($h: String!) {
      updateProfile(input: {headline: $h}) { userErrors { code } } }"""
    async with httpx.AsyncClient(base_url=url) as client:
        token = (await client.post("/graphql", json={"query": login})).json()
        token = token["data"]["logIn"]["token"]
        response = await client.post(
            "/graphql",
            json={"query": update, "variables": {"h": headline}},
            headers={"authorization": f"Bearer {token}"},
        )
    assert response.json()["data"]["updateProfile"]["userErrors"] == []


async def test_stored_markup_is_shown_as_text_in_the_page(service: Service):
    """Every text field is plain text that clients escape: markup a member stored
    comes back as those characters, and a frontend (here GraphiQL) shows it as
    text, running none of it."""
    await _store_headline(service.url, STORED_MARKUP)
    expect = playwright_api.expect
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = await browser.new_page()
            await page.goto(f"{service.url}/graphql")
            result = page.locator(".result-window")
            await _run(
                page,
                f'mutation {{ logIn(email: "{DEMO_LOGIN}", password: "{DEMO_PASSWORD}") '
                "{ userErrors { code } } }",
            )
            await expect(result).to_contain_text('"userErrors": []', timeout=20_000)
            await _run(page, "{ viewer { profile { headline } } }")
            await expect(result).to_contain_text("<script>window.xss=2</script>", timeout=20_000)
            assert await page.evaluate("typeof window.xss") == "undefined"
            assert await page.locator(".result-window img, .result-window script").count() == 0
        finally:
            await browser.close()
