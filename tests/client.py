"""A small GraphQL client for tests, and helpers that build a world through the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from config import Settings
from tests.mailbox import Mailbox, token_of
from views import aliases, ids

PASSWORD = "correct horse battery staple"


@dataclass
class Member:
    id: str
    token: str
    email: str
    alias: str
    # Whose pseudonyms the member sees and is known by: their company's id for a
    # company's recruiter, None for a member without a company (auth.pseudonyms).
    audience: uuid.UUID | None = None


class Api:
    """Talks to the service over HTTP exactly like a client does, and reads its mail
    from the test SMTP server like a member does."""

    def __init__(
        self, http: httpx.AsyncClient, mailbox: Mailbox, settings: Settings | None = None
    ) -> None:
        self.http = http
        self.mailbox = mailbox
        self.settings = settings  # its secret key names members as each company knows them
        self.admins: dict[str, Member] = {}  # each company's first admin, by domain

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
        """A company as one comes to exist: its first recruiter (``admin@<domain>``,
        kept in ``self.admins[domain]``) signs up with its details and proves the
        mailbox, which makes them its ADMIN. Returns the company's id."""
        company = {"name": name or domain.split(".")[0].title(), "sector": sector, "sizeBand": size}
        admin = await self.sign_up(f"admin@{domain}", "RECRUITER", "Company Admin", company)
        data = await self.data(
            "{ viewer { companyRole profile { currentEmployer { id } } } }", token=admin.token
        )
        assert data["viewer"]["companyRole"] == "ADMIN", data
        self.admins[domain] = admin
        return data["viewer"]["profile"]["currentEmployer"]["id"]

    async def make_admin(self, recruiter: Member) -> Member:
        """The admin of the recruiter's company makes them an admin too; returns them."""
        admin = self.admins[recruiter.email.rsplit("@", 1)[1]]
        data = await self.data(
            """mutation($p: ID!) {
                 setCompanyRole(profileId: $p, role: ADMIN) { userErrors { code message } }
               }""",
            {"p": recruiter.id},
            admin.token,
        )
        assert data["setCompanyRole"]["userErrors"] == [], data
        return recruiter

    async def sign_up(
        self,
        email: str,
        kind: str = "CANDIDATE",
        name: str = "Test Person",
        company: dict | None = None,
    ) -> Member:
        """Sign up, then prove the mailbox with the link the mail brought."""
        seen = self.mailbox.count(email)
        data = await self.data(
            """mutation($input: SignUpInput!) {
                 signUp(input: $input) { token userErrors { code message field } }
               }""",
            {
                "input": {
                    "email": email,
                    "password": PASSWORD,
                    "kind": kind,
                    "fullName": name,
                    "company": company,
                }
            },
        )
        assert data["signUp"] == {"token": None, "userErrors": []}, data
        return await self.verify(email, token_of(await self.mailbox.wait_for(email, seen)))

    async def verify(self, email: str, token: str) -> Member:
        """``verifyEmail`` with a mailed token: the member, logged in."""
        data = await self.data(
            """mutation($t: String!) {
                 verifyEmail(token: $t) {
                   token userErrors { code message field }
                   viewer { companyRole profile { id alias currentEmployer { id } } }
                 }
               }""",
            {"t": token},
        )
        payload = data["verifyEmail"]
        assert not payload["userErrors"], payload["userErrors"]
        viewer = payload["viewer"]
        profile = viewer["profile"]
        audience = None
        if viewer["companyRole"] is not None:
            audience = ids.decode(ids.COMPANY, profile["currentEmployer"]["id"])
        return Member(
            id=profile["id"],
            token=payload["token"],
            email=email,
            alias=profile["alias"],
            audience=audience,
        )

    def id_for(self, member: Member, viewer: Member | uuid.UUID | None) -> str:
        """The id under which ``viewer`` (a member, or a company's id for its ATS)
        knows ``member``: what a search or a page would have given them. Tests use
        it instead of a search to reach a member; the service offers no such thing."""
        assert self.settings is not None, "Api(http, mailbox, settings) to name members"
        audience = viewer.audience if isinstance(viewer, Member) else viewer
        own = ids.profile_member(self.settings, member.audience, member.id)
        assert own is not None, member
        return ids.profile_id(self.settings, audience, own)

    def uuid_of(self, member: Member) -> uuid.UUID:
        """The member's row id (for tests that write rows directly)."""
        assert self.settings is not None, "Api(http, mailbox, settings) to name members"
        found = ids.profile_member(self.settings, member.audience, member.id)
        assert found is not None, member
        return found

    def uuid_seen(self, opaque: str, viewer: Member) -> uuid.UUID | None:
        """The row id behind a profile id that ``viewer`` was given (None: not theirs)."""
        assert self.settings is not None, "Api(http, mailbox, settings) to name members"
        return ids.profile_member(self.settings, viewer.audience, opaque)

    def alias_for(self, member: Member, viewer: Member | uuid.UUID | None) -> str:
        """The alias under which ``viewer`` knows ``member``, when the test can know it:
        ``member``'s own (viewer of the same audience), or a candidate's seen by anyone
        (their own alias is the stored one). A recruiter as a candidate sees them:
        ``alias_seen``."""
        assert self.settings is not None, "Api(http, mailbox, settings) to name members"
        audience = viewer.audience if isinstance(viewer, Member) else viewer
        if audience == member.audience:
            return member.alias
        assert member.audience is None, "a recruiter's stored alias: use alias_seen"
        own = ids.profile_member(self.settings, None, member.id)
        return aliases.alias_for(self.settings, audience, own, member.alias)

    async def alias_seen(self, member: Member, viewer: Member) -> str:
        """The alias ``viewer`` reads on ``member``'s profile (who must be visible to them)."""
        data = await self.data(
            "query($id: ID!) { profile(id: $id) { alias } }",
            {"id": self.id_for(member, viewer)},
            viewer.token,
        )
        return data["profile"]["alias"]

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
