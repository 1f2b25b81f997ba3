"""A real HTTP receiver for webhook tests, and a world where a partner pulled a candidate."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.client import Api, Member
from tests.network_support import personal, request_ok, respond
from tests.partner_support import create_client, partner_token, pipeline_nodes
from tests.service import free_port

SET_WEBHOOK = """mutation($c: String!, $u: String) {
  setApiClientWebhook(clientId: $c, url: $u) {
    clientId clientSecret webhookSecret userErrors { code message field }
  }
}"""

DELIVERIES = """query($c: String!, $first: Int, $after: String) {
  webhookDeliveries(clientId: $c, first: $first, after: $after) {
    edges { cursor node {
      eventId type status attempts createdAt lastAttemptAt lastStatusCode lastError finishedAt
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class Receiver:
    """An HTTP server on 127.0.0.1 in a thread: records every POST, answers the
    status codes of ``answers`` in turn, then 200. Not started: connection refused."""

    def __init__(self, answers: tuple[int, ...] = ()) -> None:
        self.port = free_port()
        self.answers = list(answers)
        self.received: list[Received] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/suplinks/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.received.append(
                    Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def events(self) -> set[str]:
        """What a partner that deduplicates by event id acts on."""
        return {r.headers["x-suplinks-event-id"] for r in self.received}


def signed_correctly(received: Received, secret: str) -> bool:
    """The partner's check (docs/webhooks.md): HMAC-SHA256 of the raw body."""
    expected = "sha256=" + hmac.new(secret.encode(), received.body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.headers["x-suplinks-signature"])


@dataclass
class Partner:
    """A company, its admin, an API client with a webhook to ``receiver``."""

    domain: str
    company_id: str
    admin: Member
    client_id: str
    client_secret: str
    webhook_secret: str
    receiver: Receiver


@dataclass
class World:
    acme: Partner  # its ATS pulled the candidate
    beta: Partner  # never received them
    candidate: Member
    request_id: str
    known_as: str  # the candidate's id in acme's pipeline
    extra: dict = field(default_factory=dict)


async def set_webhook(api: Api, admin: Member, client_id: str, url: str | None) -> dict:
    data = await api.data(SET_WEBHOOK, {"c": client_id, "u": url}, admin.token)
    return data["setApiClientWebhook"]


async def partner(api: Api, domain: str, receiver: Receiver) -> Partner:
    company_id = await api.company(domain)
    admin = api.admins[domain]
    client_id, client_secret = await create_client(api, admin, f"{domain} ATS")
    payload = await set_webhook(api, admin, client_id, receiver.url)
    assert payload["userErrors"] == [] and payload["webhookSecret"], payload
    return Partner(
        domain, company_id, admin, client_id, client_secret, payload["webhookSecret"], receiver
    )


async def world(api: Api, acme_receiver: Receiver, beta_receiver: Receiver) -> World:
    """acme's recruiter contacts a candidate, who accepts and shares with acme's ATS,
    which pulls them through ``pipeline``; beta has a webhook too, and no receipt."""
    acme = await partner(api, "acme.example", acme_receiver)
    beta = await partner(api, "beta.example", beta_receiver)
    candidate = await api.sign_up("cand@mail.example", name="Casey Candidate")
    request_id = await request_ok(api, acme.admin, candidate, personal("Casey"))
    answer = await respond(api, candidate, request_id, True, share=True)
    assert not answer["userErrors"], answer
    token = await partner_token(api, acme.client_id, acme.client_secret)
    nodes = await pipeline_nodes(api, token)
    assert [n["id"] for n in nodes] == [request_id]
    return World(acme, beta, candidate, request_id, nodes[0]["counterpart"]["id"])
