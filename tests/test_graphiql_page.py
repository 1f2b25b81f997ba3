"""The explorer page over HTTP: served with a 'self'-only CSP, loading nothing from elsewhere.

These run without a browser and without ``make assets``: the browser test
(tests/test_graphiql_browser.py) drives the page itself.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

import app as app_module
from app import CONTENT_SECURITY_POLICY
from static.fetch_assets import PACKAGES

HTML = {"accept": "text/html"}


class _References(HTMLParser):
    """Every URL the page loads, and the body of every inline script."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.urls.append(values[name] or "")
        self._in_inline_script = tag == "script" and not values.get("src")
        if self._in_inline_script:
            self.inline_scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data: str) -> None:
        if self._in_inline_script:
            self.inline_scripts[-1] += data


def _csp(header: str) -> dict[str, list[str]]:
    directives = (d.split() for d in header.split(";") if d.strip())
    return {d[0]: d[1:] for d in directives}


@pytest.fixture
def assets_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """The page itself is committed; only its vendored scripts come from `make assets`."""
    monkeypatch.setattr(app_module, "missing_assets", lambda: [])


@pytest.mark.usefixtures("assets_present")
async def test_graphql_get_serves_the_explorer_with_a_self_only_csp(http):
    response = await http.get("/graphql", headers=HTML)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    policy = _csp(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]  # no 'unsafe-inline' styles either
    allowed = {"'self'", "'none'", "data:"}
    assert {source for sources in policy.values() for source in sources} <= allowed


@pytest.mark.usefixtures("assets_present")
async def test_the_page_loads_only_its_own_files(http):
    page = (await http.get("/graphql", headers=HTML)).text
    references = _References()
    references.feed(page)

    assert "http://" not in page and "https://" not in page
    assert references.inline_scripts == []  # the CSP would block them: all code is in files
    local = [url for url in references.urls if not url.startswith("data:")]
    assert local and all(url.startswith("/static/") and "//" not in url for url in local)

    vendored = {f"/static/vendor/{p.folder}/{name}" for p in PACKAGES for _, name in p.files}
    for url in local:
        if url.startswith("/static/vendor/"):
            assert url in vendored, f"{url} is not fetched by static/fetch_assets.py"
        else:
            served = await http.get(url)
            assert served.status_code == 200, url
            assert "http://" not in served.text and "https://" not in served.text, url
    assert "/static/graphiql.js" in local


async def test_the_page_says_when_its_assets_are_missing(http, monkeypatch):
    monkeypatch.setattr(app_module, "missing_assets", lambda: [Path("react.production.min.js")])

    response = await http.get("/graphql", headers=HTML)

    assert response.status_code == 503
    assert "make assets" in response.text
