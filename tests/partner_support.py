"""Helpers for the partner ATS tests: clients, tokens, the pipeline as an ATS asks it."""

from __future__ import annotations

import base64

from sqlalchemy import text

from tests.client import Api, Member
from tests.network_support import request_ok, respond

# Every field of a Profile except contactability (what the viewer may do differs
# by nature between a recruiter and an ATS; it reveals nothing about the member).
PROFILE_FIELDS = """
  id alias kind fullName headline summary photoUrl email phone city region country
  currentTitle seniority currentEmployer { id name sector sizeBand } employerSector
  employerSizeBand yearsOfExperience experienceBand skills
  salaryExpectation { min max currency } openToOpportunities
  experiences { title employer { id name } employerSector start end description }
"""

PIPELINE = f"""query($first: Int, $after: String) {{
  pipeline(first: $first, after: $after) {{
    edges {{ cursor node {{
      id status message createdAt respondedAt sharedWithAts
      counterpart {{ {PROFILE_FIELDS} }}
    }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

PROFILE = f"query($id: ID!) {{ profile(id: $id) {{ {PROFILE_FIELDS} }} }}"

CREATE_CLIENT = """mutation($name: String!, $scopes: [String!]!) {
  createApiClient(name: $name, scopes: $scopes) { clientId clientSecret userErrors { code } }
}"""

WITHDRAW_CONSENT = """mutation($r: ID!) {
  withdrawAtsConsent(requestId: $r) {
    request { id status sharedWithAts } userErrors { code message field }
  }
}"""

RECEIPTS = """{ viewer { consentReceipts {
  id requestId company { id name } purpose fields createdAt withdrawnAt
} } }"""


async def create_client(api: Api, recruiter: Member, name: str = "Acme ATS") -> tuple[str, str]:
    data = await api.data(
        CREATE_CLIENT, {"name": name, "scopes": ["pipeline:read"]}, recruiter.token
    )
    payload = data["createApiClient"]
    assert payload["userErrors"] == [], payload
    return payload["clientId"], payload["clientSecret"]


async def partner_token(api: Api, client_id: str, secret: str) -> str:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = await api.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "pipeline:read"},
        headers={"authorization": f"Basic {raw}"},
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


async def ats_for(api: Api, recruiter: Member, name: str = "Acme ATS") -> str:
    """A bearer token of a new API client of the recruiter's company."""
    return await partner_token(api, *await create_client(api, recruiter, name))


async def pipeline(api: Api, token: str, **variables) -> dict:
    return (await api.data(PIPELINE, variables, token))["pipeline"]


async def pipeline_nodes(api: Api, token: str, **variables) -> list[dict]:
    return [edge["node"] for edge in (await pipeline(api, token, **variables))["edges"]]


async def shared_contact(
    api: Api, recruiter: Member, candidate: Member, message: str, *, share: bool = True
) -> str:
    """An accepted contact, shared with the recruiter company's ATS when ``share``."""
    request_id = await request_ok(api, recruiter, candidate, message)
    answer = await respond(api, candidate, request_id, True, share)
    assert answer["userErrors"] == [], answer
    assert answer["request"]["sharedWithAts"] is share
    return request_id


async def receipts(api: Api, candidate: Member) -> list[dict]:
    return (await api.data(RECEIPTS, token=candidate.token))["viewer"]["consentReceipts"]


async def withdraw_consent(api: Api, member: Member, request_id: str) -> dict:
    data = await api.data(WITHDRAW_CONSENT, {"r": request_id}, member.token)
    return data["withdrawAtsConsent"]


CONSENT_TABLES = ("contact", "consent_receipt", "company_block", "member_block")


async def consent_snapshot(db) -> dict[str, list]:
    """Every row of the tables a consent change may write."""
    out = {}
    async with db.autocommit() as conn:
        for table in CONSENT_TABLES:
            rows = await conn.execute(text(f"SELECT * FROM {table} ORDER BY 1, 2"))
            out[table] = [tuple(r) for r in rows]
    return out
