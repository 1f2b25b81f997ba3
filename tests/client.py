"""A small GraphQL client for tests, and helpers that build a world through the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

PASSWORD = "correct horse battery staple"


@dataclass
class Member:
    id: str
    token: str
    email: str
    alias: str


class Api:
    """Talks to the service over HTTP exactly like a client does."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def raw(
        self, query: str, variables: dict | None = None, token: str | None = None, **kw
    ) -> httpx.Response:
        headers = {"authorization": f"Bearer {token}"} if token else {}
        # Like an API client, not a browser: no cookie jar carried between calls.
        self.http.cookies.clear()
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers, **kw
        )
        self.http.cookies.clear()
        return response

    async def __call__(
        self, query: str, variables: dict | None = None, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.raw(query, variables, token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict | None = None, token: str | None = None):
        body = await self(query, variables, token)
        assert not body.get("errors"), body["errors"]
        return body["data"]

    # --- building a world -----------------------------------------------------

    async def company(
        self, domain: str, name: str | None = None, sector: str = "Software", size: str = "S51_200"
    ) -> str:
        data = await self.data(
            """mutation($input: CompanyInput!) {
                 registerCompany(input: $input) { company { id } userErrors { code message } }
               }""",
            {
                "input": {
                    "name": name or domain.split(".")[0].title(),
                    "emailDomain": domain,
                    "sector": sector,
                    "sizeBand": size,
                }
            },
        )
        assert not data["registerCompany"]["userErrors"], data
        return data["registerCompany"]["company"]["id"]

    async def sign_up(
        self, email: str, kind: str = "CANDIDATE", name: str = "Test Person"
    ) -> Member:
        data = await self.data(
            """mutation($input: SignUpInput!) {
                 signUp(input: $input) {
                   token userErrors { code message field }
                   viewer { profile { id alias } }
                 }
               }""",
            {"input": {"email": email, "password": PASSWORD, "kind": kind, "fullName": name}},
        )
        payload = data["signUp"]
        assert not payload["userErrors"], payload["userErrors"]
        profile = payload["viewer"]["profile"]
        return Member(id=profile["id"], token=payload["token"], email=email, alias=profile["alias"])

    async def update_profile(self, member: Member, **fields: Any) -> dict:
        data = await self.data(
            """mutation($input: ProfileInput!) {
                 updateProfile(input: $input) { profile { id } userErrors { code message field } }
               }""",
            {"input": fields},
            member.token,
        )
        assert not data["updateProfile"]["userErrors"], data
        return data["updateProfile"]

    async def set_audience(self, member: Member, field: str, audience: str) -> None:
        data = await self.data(
            """mutation($f: String!, $a: Audience!) {
                 setFieldAudience(field: $f, audience: $a) { userErrors { code message } }
               }""",
            {"f": field, "a": audience},
            member.token,
        )
        assert not data["setFieldAudience"]["userErrors"], data


async def table_counts(db) -> dict[str, int]:
    """Row counts of every table: a mutation that failed must leave them unchanged."""
    from sqlalchemy import func, select

    from db.models import metadata

    counts = {}
    async with db.autocommit() as conn:
        for table in metadata.sorted_tables:
            counted = await conn.execute(select(func.count()).select_from(table))
            counts[table.name] = counted.scalar()
    return counts
