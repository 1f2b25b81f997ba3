"""Retention: rows past their period go, rows within it stay (done when 4), in
batches; ``python app.py purge`` and ``python app.py worker`` from the command line."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

from sqlalchemy import text

from app import main
from config import Retention
from resolvers import notices
from tests.service import ROOT
from tests.webhook_support import Receiver, signed_correctly
from web.webhooks import secret_for
from web.worker import Worker

DAY = timedelta(days=1)


class Rows:
    """Rows written straight into the tables, each named, at chosen times."""

    def __init__(self, conn, now) -> None:
        self.conn = conn
        self.now = now
        self.names: dict[str, tuple[str, uuid.UUID]] = {}

    async def add(self, label: str, table: str, **values) -> uuid.UUID:
        values.setdefault("id", uuid.uuid4())
        columns = ", ".join(values)
        params = ", ".join(f":{key}" for key in values)
        await self.conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)
        self.names[label] = (table, values["id"])
        return values["id"]

    def ago(self, days: float):
        return self.now - days * DAY


async def _world(conn, now):
    rows = Rows(conn, now)
    company = await rows.add(
        "company", "company", name="Co", email_domain="co.example", sector="S", size_band="S1_10"
    )
    people = {}
    for name, kind in (("rec", "RECRUITER"), ("cand", "CANDIDATE"), ("cand2", "CANDIDATE")):
        people[name] = await rows.add(
            name,
            "member",
            email=f"{name}@co.example",
            password_hash="x",
            kind=kind,
            alias=f"alias-{name}",
        )
    return rows, company, people


async def test_rows_past_their_period_go_and_rows_within_stay(db, settings):
    retention = Retention(batch=2)  # the defaults' periods, small batches
    now = settings.clock()
    async with db.write() as conn:
        rows, company, people = await _world(conn, now)
        cand, rec = people["cand"], people["rec"]
        old_log = retention.access_log_days + 1
        for i in range(3):  # more than a batch
            await rows.add(
                f"event-old-{i}", "access_event", owner_id=cand, viewer_label="x",
                fields=["email"], at=rows.ago(old_log),
            )  # fmt: skip
        await rows.add(
            "event-new", "access_event", owner_id=cand, viewer_label="x", fields=["email"],
            at=rows.ago(retention.access_log_days - 1),
        )  # fmt: skip

        keep = retention.session_days
        await rows.add("session-expired-old", "auth_session", member_id=cand,
                       expires_at=rows.ago(keep + 1))  # fmt: skip
        await rows.add("session-revoked-old", "auth_session", member_id=cand,
                       expires_at=rows.ago(-5), revoked_at=rows.ago(keep + 1))  # fmt: skip
        await rows.add("session-expired-new", "auth_session", member_id=cand,
                       expires_at=rows.ago(keep - 1))  # fmt: skip
        await rows.add("session-live", "auth_session", member_id=cand,
                       expires_at=rows.ago(-1))  # fmt: skip

        keep = retention.mail_token_days
        for name, expires, used in (
            ("token-expired-old", rows.ago(keep + 1), None),
            ("token-used-old", rows.ago(-1), rows.ago(keep + 1)),
            ("token-used-new", rows.ago(-1), rows.ago(keep - 1)),
            ("token-live", rows.ago(-1), None),
        ):
            await rows.add(name, "mail_token", token_hash=uuid.uuid4().hex, purpose="verify",
                           member_id=cand, email="c@x.example", expires_at=expires,
                           used_at=used)  # fmt: skip

        client = await rows.add("client", "api_client", client_id="slc_1", secret_hash="x",
                                company_id=company, name="ATS", scopes=["pipeline:read"])  # fmt: skip
        for name, status, finished in (
            ("notice-delivered-old", "DELIVERED", rows.ago(retention.delivered_notice_days + 1)),
            ("notice-delivered-new", "DELIVERED", rows.ago(retention.delivered_notice_days - 1)),
            ("notice-dead-within", "DEAD", rows.ago(retention.delivered_notice_days + 1)),
            ("notice-dead-old", "DEAD", rows.ago(retention.dead_notice_days + 1)),
            ("notice-pending-old", "PENDING", None),
        ):
            notice = await rows.add(
                name, "webhook_outbox", event_id=uuid.uuid4(), api_client_id=client,
                event_type="t", body="{}", status=status, attempts=1,
                created_at=rows.ago(400), next_attempt_at=rows.ago(400), finished_at=finished,
            )  # fmt: skip
            await rows.add(f"{name}-attempt", "webhook_attempt", outbox_id=notice, attempt=1,
                           at=rows.ago(400))  # fmt: skip

        keep = retention.ended_request_days

        async def contact(name, candidate, status, **times):
            return await rows.add(
                name, "contact", recruiter_id=rec, candidate_id=candidate, company_id=company,
                status=status, message="m",
                created_at=rows.ago(keep + 30), expires_at=times.pop("expires_at", rows.ago(keep + 2)),
                share_with_ats=False, **times,
            )  # fmt: skip

        await contact("request-ended-old", cand, "ENDED", ended_at=rows.ago(keep + 1))
        await contact("request-withdrawn-old", cand, "WITHDRAWN", ended_at=rows.ago(keep + 1))
        await contact("request-declined-old", cand, "DECLINED", responded_at=rows.ago(keep + 1))
        await contact("request-expired-old", cand, "PENDING", expires_at=rows.ago(keep + 1))
        await contact("request-ended-new", cand, "ENDED", ended_at=rows.ago(keep - 1))
        await contact("request-live-old", people["cand2"], "ACCEPTED",
                      responded_at=rows.ago(keep + 20))  # fmt: skip
        consented = await contact("request-consented-ended-old", cand, "ENDED",
                                  ended_at=rows.ago(keep + 1))  # fmt: skip
        await rows.add("receipt", "consent_receipt", contact_id=consented, candidate_id=cand,
                       company_id=company, counterpart="alias-rec, Co", purpose="p",
                       fields=["email"], created_at=rows.ago(400),
                       withdrawn_at=rows.ago(keep + 1))  # fmt: skip

    worker = Worker(dataclasses.replace(settings, retention=retention), db)
    deleted = await worker.purge()
    assert deleted == {
        "access_events": 3,
        "sessions": 2,
        "mail_tokens": 2,
        "delivered_notices": 1,
        "dead_notices": 1,
        "ended_requests": 4,
    }
    async with db.autocommit() as conn:
        remaining = {
            name
            for name, (table, row_id) in rows.names.items()
            if (
                await conn.execute(text(f"SELECT 1 FROM {table} WHERE id = :id"), {"id": row_id})
            ).first()
        }
    gone = set(rows.names) - remaining
    assert {name for name in gone if not name.endswith("-attempt")} == {
        "event-old-0", "event-old-1", "event-old-2",
        "session-expired-old", "session-revoked-old",
        "token-expired-old", "token-used-old",
        "notice-delivered-old", "notice-dead-old",
        "request-ended-old", "request-withdrawn-old", "request-declined-old",
        "request-expired-old",
    }  # fmt: skip
    # A purged notice's attempts go with it.
    assert {name for name in gone if name.endswith("-attempt")} == {
        "notice-delivered-old-attempt",
        "notice-dead-old-attempt",
    }
    assert await worker.purge() == dict.fromkeys(deleted, 0)  # nothing left to do


def _env(database_url: str, settings, tmp_path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "SUPLINKS_DATA_DIR": str(tmp_path),
        "SUPLINKS_SECRET_KEY": settings.secret_key,
        "SUPLINKS_WEBHOOK_POLL": "0.1",
        "SUPLINKS_WEBHOOK_BACKOFF": "0.1",
    }


async def test_the_command_line_worker_delivers_and_stops_cleanly(
    db, database_url, settings, tmp_path
):
    receiver = Receiver().start()
    now = settings.clock()
    try:
        async with db.write() as conn:
            rows, company, people = await _world(conn, now)
            await rows.add("client", "api_client", client_id="slc_1", secret_hash="x",
                           company_id=company, name="ATS", scopes=["pipeline:read"],
                           webhook_url=receiver.url, webhook_salt="salt")  # fmt: skip
            receipt = {"contact_id": uuid.uuid4(), "candidate_id": people["cand"],
                       "company_id": company, "fields": ["email"]}  # fmt: skip
            await notices.notify(settings, conn, notices.CONSENT_WITHDRAWN, [receipt], now)
        env = _env(database_url, settings, tmp_path)
        process = subprocess.Popen(
            [sys.executable, "app.py", "worker"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not receiver.received and time.monotonic() < deadline:
                assert process.poll() is None, process.stdout.read()
                time.sleep(0.1)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=30)
        assert process.returncode == 0, output
    finally:
        receiver.stop()
    [notice] = receiver.received
    assert signed_correctly(notice, secret_for(settings.secret_key, "salt"))
    assert "Casey" not in output and notice.json["candidateId"] not in output  # no body in logs


async def test_app_py_purge_prints_what_it_deleted(
    db, database_url, settings, tmp_path, monkeypatch, capsys
):
    """``python app.py purge``, in this process (its own event loop, in a thread)."""
    for name, value in _env(database_url, settings, tmp_path).items():
        monkeypatch.setenv(name, value)
    async with db.write() as conn:
        rows, _, people = await _world(conn, settings.clock())
        await rows.add("old", "access_event", owner_id=people["cand"], viewer_label="x",
                       fields=["email"], at=rows.ago(400))  # fmt: skip
    assert await asyncio.to_thread(main, ["purge"]) == 0
    out = capsys.readouterr().out
    assert "access_events=1" in out and "delivered_notices=0" in out
