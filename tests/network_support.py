"""Helpers for the network tests: the operations as a client sends them, a movable
clock, and a snapshot of the network tables to prove that a refusal wrote nothing."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from tests.client import Api, Member
from views import ids

REQUEST_FIELDS = """
  id status message createdAt respondedAt sharedWithAts
  counterpart { id alias kind fullName email currentEmployer { id name }
                employerSector employerSizeBand headline }
"""

SEND = f"""mutation($p: ID!, $m: String!) {{
  sendContactRequest(profileId: $p, message: $m) {{
    request {{ {REQUEST_FIELDS} }} userErrors {{ code message field }}
  }}
}}"""

RESPOND = f"""mutation($r: ID!, $a: Boolean!, $s: Boolean) {{
  respondToContactRequest(requestId: $r, accept: $a, shareWithAts: $s) {{
    request {{ {REQUEST_FIELDS} }} userErrors {{ code message field }}
  }}
}}"""

WITHDRAW = f"""mutation($r: ID!) {{
  withdrawContactRequest(requestId: $r) {{
    request {{ {REQUEST_FIELDS} }} userErrors {{ code message field }}
  }}
}}"""

END = f"""mutation($r: ID!) {{
  endContact(requestId: $r) {{
    request {{ {REQUEST_FIELDS} }} userErrors {{ code message field }}
  }}
}}"""

CONTACTS = f"""query($s: ContactStatus, $first: Int, $after: String) {{
  viewer {{ contacts(status: $s, first: $first, after: $after) {{
    edges {{ cursor node {{ {REQUEST_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }} }}
}}"""

PROFILE = """query($id: ID!) {
  profile(id: $id) { id alias kind fullName email headline currentEmployer { id name }
                     employerSector employerSizeBand contactability { canRequestContact reason } }
}"""

BLOCK = {
    name: f"mutation($id: ID!) {{ {name}({arg}: $id) {{ ok userErrors {{ code message field }}}}}}"
    for name, arg in (
        ("blockMember", "profileId"),
        ("unblockMember", "profileId"),
        ("blockCompany", "companyId"),
        ("unblockCompany", "companyId"),
    )
}

HIDE = """mutation($h: Boolean!) {
  setHideFromCurrentEmployer(hide: $h) { profile { id } userErrors { code message } }
}"""


_WORDS = [
    "amber",
    "azure",
    "bold",
    "brisk",
    "calm",
    "cedar",
    "clever",
    "coral",
    "crimson",
    "deft",
    "eager",
    "fleet",
    "gentle",
    "golden",
    "hazel",
    "ivory",
    "jade",
    "keen",
    "lively",
    "lucid",
    "mellow",
    "misty",
    "noble",
    "ochre",
    "onyx",
    "quiet",
    "rapid",
    "russet",
    "sage",
    "silver",
    "steady",
    "swift",
    "teal",
    "badger",
    "beacon",
    "bison",
    "canyon",
    "comet",
    "condor",
    "delta",
    "falcon",
    "fern",
    "glacier",
    "harbor",
    "heron",
    "island",
    "juniper",
    "kestrel",
    "lagoon",
    "lark",
    "meadow",
    "mesa",
    "orca",
    "osprey",
    "pine",
    "prairie",
    "quartz",
    "raven",
    "ridge",
    "river",
    "summit",
    "thistle",
    "tundra",
    "valley",
    "willow",
    "zephyr",
]


def personal(name: str, extra: str = "") -> str:
    """A message long enough to pass the bounds and genuinely different per recipient:
    its words are picked from the name, so it is not a template with the name changed
    (``resolvers.templates`` refuses that after three candidates)."""
    digest = hashlib.sha256(name.encode()).digest()[:14]
    picked = " ".join(_WORDS[b % len(_WORDS)] for b in digest)
    return f"Hello {name}, about your work: {picked}. {extra}".strip()


def nobody_id(api: Api, viewer: Member) -> str:
    """An id ``viewer``'s audience could have been given (it opens under their key) that
    names no member: the unknown member refusals must look like. ``unknown_profile_id``
    makes one that opens for nobody."""
    assert api.settings is not None
    return ids.profile_id(api.settings, viewer.audience, uuid.uuid4())


def unknown_profile_id() -> str:
    """Well-formed (a key version, then 32 bytes, as ``views.ids.profile_id`` seals),
    but naming nobody under any key."""
    raw = base64.urlsafe_b64encode(b"\x01" + os.urandom(32)).decode()
    return f"pf_{raw}"


def unknown_request_id() -> str:
    raw = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
    return f"cr_{raw}"


async def send(api: Api, recruiter: Member, profile_id: str, message: str) -> dict:
    data = await api.data(SEND, {"p": profile_id, "m": message}, recruiter.token)
    return data["sendContactRequest"]


async def request_ok(api: Api, recruiter: Member, candidate: Member, message: str) -> str:
    payload = await send(api, recruiter, api.id_for(candidate, recruiter), message)
    assert not payload["userErrors"], payload
    return payload["request"]["id"]


async def respond(api: Api, candidate: Member, request_id: str, accept: bool, share=False):
    data = await api.data(RESPOND, {"r": request_id, "a": accept, "s": share}, candidate.token)
    return data["respondToContactRequest"]


async def contact(api: Api, recruiter: Member, candidate: Member, message: str) -> str:
    """An accepted contact between the two; returns the request id."""
    request_id = await request_ok(api, recruiter, candidate, message)
    answer = await respond(api, candidate, request_id, True)
    assert not answer["userErrors"], answer
    return request_id


async def my_contacts(api: Api, member: Member, **variables) -> list[dict]:
    data = await api.data(CONTACTS, variables, member.token)
    return [edge["node"] for edge in data["viewer"]["contacts"]["edges"]]


async def block(api: Api, member: Member, operation: str, target: str) -> dict:
    data = await api.data(BLOCK[operation], {"id": target}, member.token)
    return data[operation]


NETWORK_TABLES = ("contact", "member_block", "company_block", "profile")


async def snapshot(db) -> dict[str, list]:
    """Every row of the tables a network mutation may write."""
    out = {}
    async with db.autocommit() as conn:
        for table in NETWORK_TABLES:
            rows = await conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
            out[table] = [tuple(r) for r in rows]
    return out


class FakeClock:
    """A clock the test moves by hand (``Settings.clock``)."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)
