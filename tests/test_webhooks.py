"""Erasure notices to partners: signed, once per event, only to who received the
candidate, durable through failures and restarts, never to an internal address.

Every delivery goes over real HTTP to a receiver on loopback (development
mode allows loopback; production refuses it, as tested below).
"""

from __future__ import annotations

import asyncio
import dataclasses
import ipaddress
import time
import uuid

import pytest
from sqlalchemy import text

from config import Settings, Webhooks
from db import outbox as outbox_db
from db.engine import Database
from tests.client import PASSWORD
from tests.network_support import BLOCK, END, personal, request_ok, respond
from tests.partner_support import WITHDRAW_CONSENT
from tests.webhook_support import (
    DELIVERIES,
    Receiver,
    World,
    set_webhook,
    signed_correctly,
    world,
)
from web import webhooks
from web.webhooks import address_allowed, http_client
from web.worker import Worker

DELETE = """mutation($p: String!) { deleteAccount(password: $p) { ok userErrors { code } } }"""


def fast(settings: Settings, **changes) -> Settings:
    """Retries in tens of milliseconds, and no worker in the app: tests drive it."""
    hooks = Webhooks(
        worker_in_app=False,
        backoff_seconds=0.05,
        backoff_max_seconds=0.2,
        timeout_seconds=3,
        poll_seconds=0.05,
    )
    return dataclasses.replace(settings, webhooks=dataclasses.replace(hooks, **changes))


async def drain(worker: Worker, done, *, rounds: int = 100) -> None:
    """Run the worker's rounds until ``done()`` (a few more rounds must change nothing)."""
    async with http_client(worker.settings.webhooks.timeout_seconds) as client:
        for _ in range(rounds):
            await worker.deliver_due(client)
            if done():
                return
            await asyncio.sleep(0.05)
    raise AssertionError("the notice never arrived")


async def settle(worker: Worker, rounds: int = 3) -> None:
    async with http_client(worker.settings.webhooks.timeout_seconds) as client:
        for _ in range(rounds):
            await worker.deliver_due(client)
            await asyncio.sleep(0.06)


@pytest.fixture
def receivers():
    acme, beta = Receiver().start(), Receiver().start()
    yield acme, beta
    acme.stop()
    beta.stop()


async def _withdraw(api, w: World):
    data = await api.data(WITHDRAW_CONSENT, {"r": w.request_id}, w.candidate.token)
    assert data["withdrawAtsConsent"]["userErrors"] == []


async def _end(api, w: World):
    data = await api.data(END, {"r": w.request_id}, w.candidate.token)
    assert data["endContact"]["userErrors"] == []


async def _block_company(api, w: World):
    data = await api.data(BLOCK["blockCompany"], {"id": w.acme.company_id}, w.candidate.token)
    assert data["blockCompany"]["ok"], data


async def _join_the_company(api, w: World):
    """The candidate starts working at acme, hidden from their employer (the
    default): what is open with acme's members ends."""
    await api.update_profile(w.candidate, currentEmployerId=w.acme.company_id)


async def _delete(api, w: World):
    data = await api.data(DELETE, {"p": PASSWORD}, w.candidate.token)
    assert data["deleteAccount"]["ok"], data


EVENTS = {
    "withdrawAtsConsent": (_withdraw, "consent.withdrawn"),
    "endContact": (_end, "contact.ended"),
    # A block is told as what the recruiter sees: the contact ended, no reason given
    # (Company blocks and hiding are one-way).
    "blockCompany": (_block_company, "contact.ended"),
    "currentEmployer": (_join_the_company, "contact.ended"),
    "deleteAccount": (_delete, "candidate.erased"),
}


@pytest.mark.parametrize("event", list(EVENTS))
async def test_a_partner_that_pulled_the_candidate_gets_one_signed_notice(
    api, db, settings, receivers, event
):
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    act, event_type = EVENTS[event]
    before = time.time()
    await act(api, w)
    worker = Worker(fast(settings), db)
    await drain(worker, lambda: acme_receiver.received)
    await settle(worker)  # nothing more comes, to anyone

    assert len(acme_receiver.received) == 1 and beta_receiver.received == []
    notice = acme_receiver.received[0]
    assert signed_correctly(notice, w.acme.webhook_secret)
    assert not signed_correctly(notice, w.beta.webhook_secret)
    body = notice.json
    assert notice.headers["x-suplinks-event-id"] == body["eventId"]
    assert uuid.UUID(body["eventId"]).version == 4
    assert before - 1 <= int(notice.headers["x-suplinks-timestamp"]) <= time.time() + 1
    assert notice.headers["content-type"] == "application/json"
    assert notice.path == "/suplinks/hook"
    assert body["type"] == event_type
    assert body["candidateId"] == w.known_as  # the id this partner knows
    assert body["delete"]["requestIds"] == [w.request_id]
    assert body["delete"]["everything"] is (event == "deleteAccount")
    # The notice names; it does not carry the candidate's data.
    assert b"Casey" not in notice.body and b"cand@mail.example" not in notice.body

    data = await api.data(DELIVERIES, {"c": w.acme.client_id}, w.acme.admin.token)
    [edge] = data["webhookDeliveries"]["edges"]
    assert edge["node"] | {"createdAt": None, "lastAttemptAt": None, "finishedAt": None} == {
        "eventId": body["eventId"],
        "type": event_type,
        "status": "DELIVERED",
        "attempts": 1,
        "lastStatusCode": 200,
        "lastError": None,
        "createdAt": None,
        "lastAttemptAt": None,
        "finishedAt": None,
    }
    data = await api.data(DELIVERIES, {"c": w.beta.client_id}, w.beta.admin.token)
    assert data["webhookDeliveries"]["edges"] == []


async def test_each_event_its_own_notice_and_nothing_twice(api, db, settings, receivers):
    """Withdrawal, then the end of the contact (nothing left shared: no notice), then
    the erasure: two notices with two event ids, each once. A candidate who never
    shared with acme's ATS ends their contact and erases their account: nothing."""
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    worker = Worker(fast(settings), db)
    await _withdraw(api, w)
    await _end(api, w)
    await drain(worker, lambda: len(acme_receiver.received) == 1)
    await _delete(api, w)
    await drain(worker, lambda: len(acme_receiver.received) == 2)

    # A contact acme's ATS never received (accepted without sharing): nothing, ever.
    other = await api.sign_up("other@mail.example", name="Olive Other")
    request_id = await request_ok(api, w.acme.admin, other, personal("Olive"))
    assert not (await respond(api, other, request_id, True, share=False))["userErrors"]
    await _end(api, World(w.acme, w.beta, other, request_id, ""))
    await _delete(api, World(w.acme, w.beta, other, request_id, ""))
    await settle(worker)

    types = [r.json["type"] for r in acme_receiver.received]
    assert types == ["consent.withdrawn", "candidate.erased"]
    assert len(acme_receiver.events()) == 2 and beta_receiver.received == []


async def test_down_then_failing_then_restarted_the_notice_arrives_once(
    api, db, database_url, settings, receivers
):
    """Done when 3: connection refused, then a 500, with the worker (and its database
    pool) replaced between attempts: the notice arrives, once, the same bytes."""
    _, beta_receiver = receivers
    down = Receiver(answers=(500,))  # not started: connection refused
    w = await world(api, down, beta_receiver)
    await _withdraw(api, w)
    s = fast(settings)

    first = Worker(s, Database(database_url, pool_size=1))
    async with http_client(3) as client:
        assert await first.deliver_due(client) == 1
    await first.db.dispose()  # the process is gone; its state is in PostgreSQL
    down.start()
    try:
        second = Worker(s, Database(database_url, pool_size=1))
        await drain(second, lambda: len(down.received) == 1)  # the 500
        await second.db.dispose()
        third = Worker(s, Database(database_url, pool_size=1))
        await drain(third, lambda: len(down.received) == 2)
        await settle(third)
        await third.db.dispose()
    finally:
        down.stop()
    assert down.received[0].body == down.received[1].body
    assert len(down.events()) == 1
    assert all(signed_correctly(r, w.acme.webhook_secret) for r in down.received)
    async with db.autocommit() as conn:
        attempts = (
            await conn.execute(
                text("SELECT attempt, status_code, error FROM webhook_attempt ORDER BY attempt")
            )
        ).all()
    assert attempts == [(1, None, "ConnectError"), (2, 500, None), (3, 200, None)]
    data = await api.data(DELIVERIES, {"c": w.acme.client_id}, w.acme.admin.token)
    node = data["webhookDeliveries"]["edges"][0]["node"]
    assert (node["status"], node["attempts"]) == ("DELIVERED", 3)


async def test_a_worker_lost_mid_delivery_is_covered_by_the_lease(api, db, settings, receivers):
    """Sent, but the worker died before recording it: once its lease is over the
    notice goes again with the same event id and body (the partner deduplicates)."""
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    await _withdraw(api, w)
    s = fast(settings, timeout_seconds=0.01)  # a lease of about five seconds
    async with db.write() as conn:
        [notice] = await outbox_db.claim_due(conn, s.clock(), Worker(s, db).lease, 10)
    async with http_client(3) as client:
        await webhooks.send(
            client,
            notice["webhook_url"],
            secret=webhooks.secret_for(s.secret_key, notice["webhook_salt"]),
            event_id=str(notice["event_id"]),
            body=notice["body"].encode(),
            production=False,
        )  # ...and the worker is gone
    later = dataclasses.replace(s, clock=lambda: settings.clock() + Worker(s, db).lease)
    await drain(Worker(later, db), lambda: len(acme_receiver.received) == 2)
    first, second = acme_receiver.received
    assert first.body == second.body and acme_receiver.events() == {str(notice["event_id"])}


async def test_two_workers_never_hold_one_notice(api, db, settings):
    """FOR UPDATE SKIP LOCKED: concurrent claims split the due notices between them."""
    api_client_id = uuid.uuid4()
    async with db.write() as conn:
        await conn.execute(
            text(
                "INSERT INTO company (id, name, email_domain, sector, size_band)"
                " VALUES (:id, 'Co', 'co.example', 'Software', 'S1_10')"
            ),
            {"id": (company := uuid.uuid4())},
        )
        await conn.execute(
            text(
                "INSERT INTO api_client (id, client_id, secret_hash, company_id, name, scopes)"
                " VALUES (:id, 'slc_x', 'x', :co, 'x', '{}')"
            ),
            {"id": api_client_id, "co": company},
        )
        notices = [
            {
                "event_id": uuid.uuid4(),
                "api_client_id": api_client_id,
                "event_type": "t",
                "body": "{}",
            }
            for _ in range(30)
        ]
        await outbox_db.insert_notices(conn, notices, settings.clock())
    s = fast(settings)

    async def claim() -> set:
        async with db.write() as conn:
            rows = await outbox_db.claim_due(conn, s.clock(), Worker(s, db).lease, 12)
            await asyncio.sleep(0.05)  # hold the locks while the others claim
        return {row["id"] for row in rows}

    claims = await asyncio.gather(*(claim() for _ in range(4)))
    assert sum(len(c) for c in claims) == len(set().union(*claims)) == 30


async def test_retries_end_dead_and_are_listed(api, db, settings, receivers):
    _, beta_receiver = receivers
    failing = Receiver(answers=(503, 503, 503)).start()
    try:
        w = await world(api, failing, beta_receiver)
        await _withdraw(api, w)
        worker = Worker(fast(settings, max_attempts=3), db)
        await drain(worker, lambda: len(failing.received) == 3)
        await settle(worker)
    finally:
        failing.stop()
    assert len(failing.received) == 3
    data = await api.data(DELIVERIES, {"c": w.acme.client_id}, w.acme.admin.token)
    node = data["webhookDeliveries"]["edges"][0]["node"]
    assert (node["status"], node["attempts"], node["lastStatusCode"]) == ("DEAD", 3, 503)
    assert node["finishedAt"] is not None


def test_backoff_doubles_with_jitter_up_to_the_cap(settings):
    from web.worker import backoff

    s = dataclasses.replace(
        settings, webhooks=Webhooks(backoff_seconds=10, backoff_max_seconds=100)
    )
    for attempts, full in ((1, 10), (2, 20), (3, 40), (4, 80), (5, 100), (20, 100)):
        waits = [backoff(s, attempts) for _ in range(50)]
        assert all(full / 2 <= wait <= full for wait in waits)
        assert len(set(waits)) > 1  # jittered


# --- where notices may go -----------------------------------------------------------

FORBIDDEN_EVERYWHERE = [
    "http://10.0.0.5/hook",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata: link-local
    "http://[fe80::1]/",
    "http://224.0.0.1/",
    "http://0.0.0.0/",
    "http://240.0.0.1/",  # reserved
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://[::ffff:10.0.0.1]/",
    "http://[fd00::1]/",
    "ftp://127.0.0.1/",
    "http://user:pw@127.0.0.1/",
    "not a url",
]


@pytest.mark.parametrize("url", FORBIDDEN_EVERYWHERE)
async def test_internal_addresses_are_refused_when_set(url):
    with pytest.raises(webhooks.UnsafeUrl):
        await webhooks.check_url(url, production=False)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "https://[::1]/", "https://localhost/", "http://93.184.216.34/"]
)
async def test_production_wants_https_to_a_public_address(url):
    with pytest.raises(webhooks.UnsafeUrl):
        await webhooks.check_url(url, production=True)


def test_address_rules():
    allowed = lambda a, p: address_allowed(ipaddress.ip_address(a), production=p)  # noqa: E731
    assert allowed("93.184.216.34", True) and allowed("2606:2800:220:1::1", True)
    assert allowed("127.0.0.1", False) and not allowed("127.0.0.1", True)
    assert not allowed("::ffff:127.0.0.1", True) and not allowed("::1", True)


async def test_set_webhook_through_the_api(api, db, settings, receivers, http):
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    # Set to an internal address: a typed error, and nothing changes.
    payload = await set_webhook(api, w.acme.admin, w.acme.client_id, "http://10.1.2.3/x")
    assert [e["code"] for e in payload["userErrors"]] == ["INVALID_URL"]
    assert payload["webhookSecret"] is None
    # Another company's client does not exist for beta's admin.
    payload = await set_webhook(api, w.beta.admin, w.acme.client_id, w.beta.receiver.url)
    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    # A member who is no admin is refused by the policy.
    body = await api(
        """mutation($c: String!) { setApiClientWebhook(clientId: $c, url: null) { clientId } }""",
        {"c": w.acme.client_id},
        w.candidate.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    body = await api(DELIVERIES, {"c": w.acme.client_id}, w.candidate.token)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # The secret is shown once: never listed, never stored.
    listed = await api.data("{ apiClients { clientId webhookUrl } }", token=w.acme.admin.token)
    assert listed["apiClients"] == [{"clientId": w.acme.client_id, "webhookUrl": acme_receiver.url}]
    async with db.autocommit() as conn:
        dump = str((await conn.execute(text("SELECT * FROM api_client"))).all())
    assert (
        w.acme.webhook_secret not in dump
        and w.acme.webhook_secret.removeprefix("whsec_") not in dump
    )

    # Setting it again issues a new secret; removing it stops the notices.
    again = await set_webhook(api, w.acme.admin, w.acme.client_id, acme_receiver.url)
    assert again["webhookSecret"] not in (None, w.acme.webhook_secret)
    removed = await set_webhook(api, w.acme.admin, w.acme.client_id, None)
    assert removed["userErrors"] == [] and removed["webhookSecret"] is None
    await _withdraw(api, w)
    async with db.autocommit() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM webhook_outbox"))).scalar() == 0


async def test_production_refuses_http_and_loopback_when_set(api, db, settings, receivers):
    from app import create_app
    from policies.authorizer import get_authorizer

    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    import httpx

    app = create_app(dataclasses.replace(settings, production=True), db, get_authorizer())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        api.http = client
        for url in (acme_receiver.url, f"https://localhost:{acme_receiver.port}/"):
            payload = await set_webhook(api, w.acme.admin, w.acme.client_id, url)
            assert [e["code"] for e in payload["userErrors"]] == ["INVALID_URL"], url


async def test_a_name_that_turns_internal_after_the_check_gets_nothing(
    api, db, settings, receivers, monkeypatch
):
    """DNS rebinding: the name resolved to a public address when it was set, and to
    127.0.0.1 at delivery; in production nothing is sent, the attempt says why."""
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    answers = {"partner.example": ["93.184.216.34"]}

    async def resolve(host: str, port: int):
        return [ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(webhooks, "resolve_host", resolve)
    url = f"https://partner.example:{acme_receiver.port}/hook"
    production = dataclasses.replace(settings, production=True)
    target = await webhooks.check_url(url, production=True)
    assert target.address == ipaddress.ip_address("93.184.216.34")
    async with db.write() as conn:
        await conn.execute(
            text("UPDATE api_client SET webhook_url = :u WHERE client_id = :c"),
            {"u": url, "c": w.acme.client_id},
        )
    await _withdraw(api, w)
    answers["partner.example"] = ["127.0.0.1"]
    worker = Worker(fast(production, max_attempts=1), db)
    await settle(worker)
    assert acme_receiver.received == []
    data = await api.data(DELIVERIES, {"c": w.acme.client_id}, w.acme.admin.token)
    node = data["webhookDeliveries"]["edges"][0]["node"]
    assert (node["status"], node["lastError"]) == ("DEAD", "UnsafeUrl")


async def test_the_request_goes_to_the_checked_address(api, db, settings, receivers, monkeypatch):
    """The name is resolved once per attempt and the connection made to that
    address, the name in the Host header (development: loopback allowed)."""
    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)

    async def resolve(host: str, port: int):
        assert host == "partner.example"
        return [ipaddress.ip_address("127.0.0.1")]

    monkeypatch.setattr(webhooks, "resolve_host", resolve)
    url = f"http://partner.example:{acme_receiver.port}/hook?tenant=7"
    assert (await set_webhook(api, w.acme.admin, w.acme.client_id, url))["userErrors"] == []
    await _withdraw(api, w)
    await drain(Worker(fast(settings), db), lambda: acme_receiver.received)
    [notice] = acme_receiver.received
    assert notice.headers["host"] == f"partner.example:{acme_receiver.port}"
    assert notice.path == "/hook?tenant=7"


async def test_the_worker_runs_inside_the_app(api, db, settings, receivers):
    from app import worker_lifespan

    acme_receiver, beta_receiver = receivers
    w = await world(api, acme_receiver, beta_receiver)
    await _withdraw(api, w)
    async with worker_lifespan(fast(settings, worker_in_app=True), db)(None):
        for _ in range(100):
            if acme_receiver.received:
                break
            await asyncio.sleep(0.05)
    assert len(acme_receiver.received) == 1
