"""Every expensive or sensitive operation has a budget, and it holds.

Each test here is an attack that succeeded before: searches and contact
requests were never counted, nothing counted per client address, a flood of
new keys emptied the counters, and a stranger's wrong secrets locked a
company's ATS out of ``/oauth/token``.
"""

from __future__ import annotations

import asyncio
import base64
from contextlib import asynccontextmanager
from dataclasses import replace
from ipaddress import ip_network

import httpx
import pytest
from limits.aio.storage import MemoryStorage as LimitsMemoryStorage

from app import create_app
from auth.client_address import client_address
from auth.identity import ANONYMOUS
from config import DEFAULT_RATE_LIMITS, ConfigError, load_settings
from policies.authorizer import get_authorizer
from tests.client import Api
from tests.network_support import SEND, personal, send, unknown_profile_id
from tests.partner_support import create_client
from web.context import Context
from web.errors import ApiError
from web.ratelimit import MemoryStorage, RateLimiter

# A sliding-window counter forgets a little at each window boundary: a day-long
# window keeps these tests from ever straddling one.
DAY = 86400
TYPENAME = {"query": "{ __typename }"}
SEARCH = "query($n: Int) { searchCandidates(first: $n) { edges { node { id } } } }"
LOG_IN = 'mutation($e: String!) { logIn(email: $e, password: "not it") { token } }'


def code(body: dict) -> str | None:
    errors = body.get("errors") or [{}]
    return errors[0].get("extensions", {}).get("code")


@asynccontextmanager
async def client_at(app, address: str, headers: dict | None = None):
    """An HTTP client whose connection comes from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


def budgets(settings, **changes: tuple[int, int]):
    """``settings`` with some budgets changed (the others as the suite sets them)."""
    return replace(settings, rate_limits={**settings.rate_limits, **changes})


# --- the limiter itself ------------------------------------------------------------


async def test_a_flood_of_new_keys_leaves_a_locked_out_key_locked():
    limiter = RateLimiter({"login": (3, DAY)}, MemoryStorage())
    for _ in range(3):
        await limiter.check("login", "victim@mail.example")
    with pytest.raises(ApiError):
        await limiter.check("login", "victim@mail.example")
    for i in range(100_001):  # the old store cleared every counter past 100,000 keys
        await limiter.retry_after("login", f"flood-{i}@mail.example")
        if i % 5_000 == 0:
            await asyncio.sleep(0)  # let any sweep of expired counters run
    with pytest.raises(ApiError) as raised:
        await limiter.check("login", "victim@mail.example")
    assert raised.value.extensions["code"] == "RATE_LIMITED"


async def test_expired_counters_are_swept_at_most_once_a_second(monkeypatch):
    """Upstream sweeps every key after each hit: O(keys) per request once flooded."""
    sweeps = []
    original = LimitsMemoryStorage._MemoryStorage__schedule_expiry

    async def counted(self):
        sweeps.append(1)
        await original(self)

    monkeypatch.setattr(LimitsMemoryStorage, "_MemoryStorage__schedule_expiry", counted)
    limiter = RateLimiter({"search": (1000, DAY)}, MemoryStorage())
    for i in range(200):
        await limiter.retry_after("search", f"subject-{i}")
        await asyncio.sleep(0)
    assert len(sweeps) <= 2  # the first hit, and at most one more a second later


async def test_cost_spends_several_units_and_a_refusal_says_when_to_retry():
    limiter = RateLimiter({"search": (10, DAY)}, MemoryStorage())
    assert await limiter.retry_after("search", "rita", cost=5) is None
    assert await limiter.retry_after("search", "rita", cost=5) is None
    wait = await limiter.retry_after("search", "rita", cost=1)
    assert wait is not None and 1 <= wait <= DAY


# --- budgets of operations -----------------------------------------------------------


async def test_search_spends_its_budget_by_page_size(api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "search", (10, DAY))
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    for _ in range(2):  # first: 100 costs five pages of 20
        assert "errors" not in await api(SEARCH, {"n": 100}, rita.token)
    body = await api(SEARCH, {"n": 20}, rita.token)
    assert code(body) == "RATE_LIMITED"
    assert body["errors"][0]["extensions"]["retryAfter"] >= 1


async def test_aliased_searches_in_one_request_share_one_budget(api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "search", (10, DAY))
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    aliases = " ".join(
        f"s{i}: searchCandidates(first: 100) {{ edges {{ cursor }} }}" for i in range(6)
    )
    body = await api(f"{{ {aliases} }}", token=rita.token)
    assert code(body) == "RATE_LIMITED" and body["data"] is None
    assert code(await api(SEARCH, {"n": 1}, rita.token)) == "RATE_LIMITED"


async def test_contact_requests_are_rate_limited_per_recruiter(api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "contact", (2, DAY))
    await api.company("acme.example")
    rita = await api.sign_up("rita@acme.example", "RECRUITER", "Rita")
    for _ in range(2):  # unknown ids: the budget counts attempts, before anything else
        payload = await send(api, rita, unknown_profile_id(), personal("Ann"))
        assert payload["userErrors"][0]["code"] == "NOT_FOUND"
    body = await api(SEND, {"p": unknown_profile_id(), "m": personal("Ann")}, rita.token)
    assert code(body) == "RATE_LIMITED"


async def test_sign_up_is_limited_per_address_and_per_email(app, settings, mailbox, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "signup_ip", (2, DAY))
    monkeypatch.setitem(settings.rate_limits, "signup", (1, DAY))
    query = """mutation($e: String!) { signUp(input: {email: $e, password: "a long password",
               kind: CANDIDATE, fullName: "Some One"}) { token userErrors { code } } }"""
    async with client_at(app, "203.0.113.7") as one, client_at(app, "203.0.113.8") as other:
        first, again = Api(one, mailbox), Api(other, mailbox)
        assert code(await first(query, {"e": "a@mail.example"})) is None
        # The same email from elsewhere: the email's own budget is spent.
        assert code(await again(query, {"e": "a@mail.example"})) == "RATE_LIMITED"
        assert code(await first(query, {"e": "b@mail.example"})) is None
        assert code(await first(query, {"e": "c@mail.example"})) == "RATE_LIMITED"
        assert code(await again(query, {"e": "c@mail.example"})) is None


async def test_log_in_is_limited_per_address_across_emails(app, settings, mailbox, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "login_ip", (3, DAY))
    async with client_at(app, "198.51.100.1") as guesser, client_at(app, "198.51.100.2") as other:
        for i in range(3):
            body = await Api(guesser, mailbox)(LOG_IN, {"e": f"user{i}@mail.example"})
            assert code(body) is None
        assert (
            code(await Api(guesser, mailbox)(LOG_IN, {"e": "user9@mail.example"})) == "RATE_LIMITED"
        )
        assert code(await Api(other, mailbox)(LOG_IN, {"e": "user9@mail.example"})) is None


async def test_mail_budgets_per_address_and_per_email(settings, monkeypatch):
    """The helper the password-reset and verification mails call before sending."""
    monkeypatch.setitem(settings.rate_limits, "mail_ip", (2, DAY))
    monkeypatch.setitem(settings.rate_limits, "mail_address", (2, DAY))
    limiter = RateLimiter(settings.rate_limits, MemoryStorage())

    def ctx(address: str) -> Context:
        return Context(
            db=None, settings=settings, authorizer=None, identity=ANONYMOUS,
            limiter=limiter, client_address=address,
        )  # fmt: skip

    await ctx("192.0.2.1").rate_limit_mail("Ann@Mail.example")
    await ctx("192.0.2.2").rate_limit_mail("ann@mail.example ")
    with pytest.raises(ApiError):  # a third mail to Ann, from anywhere
        await ctx("192.0.2.3").rate_limit_mail("ann@mail.example")
    await ctx("192.0.2.1").rate_limit_mail("bob@mail.example")
    with pytest.raises(ApiError):  # a third mail from 192.0.2.1, to anyone
        await ctx("192.0.2.1").rate_limit_mail("carl@mail.example")


# --- anonymous callers, per address ------------------------------------------------


async def test_anonymous_requests_have_a_budget_per_address(app, api, settings, monkeypatch):
    ann = await api.sign_up("ann@mail.example")
    monkeypatch.setitem(settings.rate_limits, "anonymous", (3, DAY))
    async with client_at(app, "192.0.2.10") as flooder:
        for _ in range(3):
            assert (await flooder.post("/graphql", json=TYPENAME)).status_code == 200
        refused = await flooder.post("/graphql", json=TYPENAME)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= DAY
        assert code(refused.json()) == "RATE_LIMITED"
        assert refused.json()["errors"][0]["extensions"]["retryAfter"] >= 1
        # A member from the same address is not anonymous: their budgets are their own.
        member = await flooder.post(
            "/graphql", json=TYPENAME, headers={"authorization": f"Bearer {ann.token}"}
        )
        assert member.status_code == 200 and "errors" not in member.json()
        # A dead credential does not make a caller any less anonymous.
        forged = await flooder.post(
            "/graphql", json=TYPENAME, headers={"cookie": "suplinks_session=forged"}
        )
        assert forged.status_code == 429
    async with client_at(app, "192.0.2.11") as neighbour:
        assert (await neighbour.post("/graphql", json=TYPENAME)).status_code == 200


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(settings, db, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "anonymous", (2, DAY))
    untrusting = create_app(settings, db, get_authorizer())
    async with client_at(untrusting, "192.0.2.20") as spoofer:
        statuses = [
            (
                await spoofer.post(
                    "/graphql", json=TYPENAME, headers={"x-forwarded-for": f"10.1.1.{i}"}
                )
            ).status_code
            for i in range(3)
        ]
    assert statuses == [200, 200, 429]

    behind_proxy = replace(settings, trusted_proxies=(ip_network("10.0.0.0/8"),))
    app = create_app(behind_proxy, db, get_authorizer())
    async with client_at(app, "10.0.0.2") as proxy:

        async def status(forwarded: str) -> int:
            response = await proxy.post(
                "/graphql", json=TYPENAME, headers={"x-forwarded-for": forwarded}
            )
            return response.status_code

        # The client wrote the left part; the proxy appended the address it saw.
        assert [await status(f"6.6.6.{i}, 198.51.100.5") for i in range(3)] == [200, 200, 429]
        assert await status("198.51.100.6") == 200


def test_client_address_reads_forwarded_for_from_the_right():
    proxies = (ip_network("10.0.0.0/8"), ip_network("2001:db8:ffff::/48"))

    def scope(peer: str, *forwarded: str) -> dict:
        headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
        return {"client": (peer, 1), "headers": headers}

    assert client_address(scope("192.0.2.1", "9.9.9.9"), proxies) == "192.0.2.1"
    assert client_address(scope("10.0.0.1", "9.9.9.9, 8.8.8.8"), proxies) == "8.8.8.8"
    assert client_address(scope("10.0.0.1", "9.9.9.9", "8.8.8.8, 10.2.2.2"), proxies) == ("8.8.8.8")
    assert client_address(scope("10.0.0.1", "10.3.3.3"), proxies) == "10.3.3.3"
    assert client_address(scope("10.0.0.1"), proxies) == "10.0.0.1"
    # One IPv6 subscriber holds a /64: it is one client, whatever address it picks.
    assert client_address(scope("2001:db8:1:2:aaaa::1"), proxies) == "2001:db8:1:2::/64"
    assert client_address(scope("2001:db8:1:2:bbbb::9"), proxies) == "2001:db8:1:2::/64"
    assert client_address(scope("::ffff:192.0.2.4"), proxies) == "192.0.2.4"


# --- /oauth/token -----------------------------------------------------------------------


def basic(client_id: str, secret: str) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {raw}"}


GRANT = {"grant_type": "client_credentials"}


async def test_a_strangers_wrong_secrets_never_lock_out_the_ats(api, settings, db, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "token_failures", (10, DAY))
    await api.company("acme.example")
    admin = api.admins["acme.example"]  # API clients are an admin's
    client_id, secret = await create_client(api, admin)
    behind_proxy = replace(settings, trusted_proxies=(ip_network("127.0.0.1/32"),))
    app = create_app(behind_proxy, db, get_authorizer())
    async with client_at(app, "127.0.0.1") as proxy:

        async def token(secret_tried: str, source: str) -> httpx.Response:
            headers = {**basic(client_id, secret_tried), "x-forwarded-for": source}
            return await proxy.post("/oauth/token", data=GRANT, headers=headers)

        statuses = [(await token(f"guess-{i}", "203.0.113.66")).status_code for i in range(40)]
        assert statuses[:10] == [401] * 10 and set(statuses[10:]) == {429}
        refused = await token(secret, "203.0.113.66")  # guessing from there has stopped
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"] == "rate_limited"
        ats = await token(secret, "198.51.100.200")  # the real ATS, elsewhere
        assert ats.status_code == 200, ats.text
        assert ats.json()["access_token"]


async def test_token_requests_have_a_budget_per_address(app, api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "token_ip", (3, DAY))
    async with client_at(app, "203.0.113.9") as flooder:
        for i in range(3):  # new client ids every time: the old limit counted per id only
            response = await flooder.post("/oauth/token", data=GRANT, headers=basic(f"c{i}", "s"))
            assert response.status_code == 401
        response = await flooder.post("/oauth/token", data=GRANT, headers=basic("c9", "s"))
        assert response.status_code == 429 and response.headers["retry-after"]


async def test_tokens_issued_per_client_have_a_budget(app, api, settings, monkeypatch):
    monkeypatch.setitem(settings.rate_limits, "token", (2, DAY))
    await api.company("acme.example")
    admin = api.admins["acme.example"]  # API clients are an admin's
    client_id, secret = await create_client(api, admin)
    statuses = [
        (
            await api.http.post("/oauth/token", data=GRANT, headers=basic(client_id, secret))
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


# --- settings --------------------------------------------------------------------------


def test_budgets_and_trusted_proxies_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SUPLINKS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SUPLINKS_RATE_LIMITS", "token_failures=5/600,anonymous=100/60")
    monkeypatch.setenv("SUPLINKS_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7,2001:db8::/32")
    loaded = load_settings()
    assert loaded.rate_limits["token_failures"] == (5, 600)
    assert loaded.rate_limits["anonymous"] == (100, 60)
    assert loaded.rate_limits["search"] == DEFAULT_RATE_LIMITS["search"]
    assert [str(n) for n in loaded.trusted_proxies] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
        "2001:db8::/32",
    ]
    monkeypatch.setenv("SUPLINKS_TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal")
    with pytest.raises(ConfigError):
        load_settings()
