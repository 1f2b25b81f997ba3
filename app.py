"""SUPLINKS: the ASGI application factory and the command line.

python app.py serve [--host H] [--port P] [--workers N] [--demo]
                                                      apply migrations, then serve
python app.py migrate                                 apply pending migrations
python app.py worker                                  deliver erasure notices, purge on schedule
python app.py purge                                   delete what is past its retention period
python app.py seed-demo                               add demo data to an empty database
python app.py trusted-documents OUT.json [FOLDER]     write a trusted-documents manifest
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

from auth.client_address import client_address
from auth.identity import identify
from auth.oauth import token_endpoint
from config import PROJECT_ROOT, ConfigError, Settings, load_settings
from db.engine import Database, database_unavailable, resolve_database_url
from mail import Mailer, mailer_for
from mail.mailer import outbox_folder
from policies.authorizer import Authorizer, get_authorizer
from resolvers.export import export_route
from resolvers.mail_pages import mail_pages
from schema.schema import schema
from static.fetch_assets import missing_assets
from web import metrics
from web.context import Context
from web.errors import Refusal, too_many_requests, unavailable
from web.logs import configure_logging
from web.observe import RequestObserver, viewer_kind
from web.ratelimit import RateLimiter, limiter_for
from web.readiness import readiness
from web.request_body import RequestGuard
from web.trusted_documents import TrustedDocuments, build_manifest
from web.worker import Worker, running

STATIC_DIR = PROJECT_ROOT / "static"
GRAPHIQL_PAGE = STATIC_DIR / "graphiql.html"
# The README's and GraphiQL's example operations, as first-party trusted documents.
OPERATIONS_DIR = PROJECT_ROOT / "docs" / "operations"

# The explorer page and everything it loads come from this origin only. No
# 'unsafe-inline' styles: GraphiQL and CodeMirror set styles through the DOM
# (element.style), which CSP allows; the browser test fails on any violation.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

logger = logging.getLogger("suplinks")

# How long ``serve --workers N`` waits for a worker to answer before replacing it.
WORKER_START_SECONDS = 60


class SuplinksGraphQL(GraphQL):
    """strawberry's ASGI app with our context and a self-contained GraphiQL page.

    Before any execution: the per-address budget of anonymous callers, and the
    trusted documents (a request may name one by hash; anonymous callers may be
    held to them). Either refuses the request whole (``Refusal``).

    When the database goes away (a restart, a failover), the pool is thrown
    away where it failed (``db.engine``) and the request runs once more if
    that is safe: it failed before executing (the session lookup), or it is a
    query, which writes nothing. A mutation is never run twice: its
    transaction rolled back whole, and it answers ``INTERNAL``.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        authorizer: Authorizer,
        limiter: RateLimiter,
        mailer: Mailer,
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=False)
        self.settings = settings
        self.db = db
        self.authorizer = authorizer
        self.limiter = limiter
        self.documents = TrustedDocuments(settings.trusted_documents)
        self.mailer = mailer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """strawberry's own, plus: a ``Refusal`` answers its status and JSON body."""
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive)  # the body, once read, is kept for a second run
        try:
            response = await self._run(request)
        except HTTPException as exc:
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
        except Refusal as refusal:
            response = refusal.response()
        await response(scope, receive, send)

    async def _run(self, request: Request) -> Response:
        """``run``, once more when the database went away and it is safe (see above)."""
        request_id = request.state.request_id
        try:
            response = await self.run(request)
            if not getattr(request.state, "retry_read", False):
                return response
        except Exception as error:
            if not database_unavailable(error):
                raise
        logger.warning("request %s: the database went away; running it once more", request_id)
        request.state.retry_read = False
        try:
            return await self.run(request)
        except Exception as error:
            if not database_unavailable(error):
                raise
            raise unavailable(request_id) from error

    async def get_context(self, request: Request, response: Response) -> Context:
        credential = await identify(
            self.db, self.settings.secret_key, request.headers, request.cookies
        )
        address = client_address(request.scope, self.settings.trusted_proxies)
        identity = credential.identity
        request.scope.setdefault("state", {})["viewer"] = viewer_kind(
            identity.is_partner, identity.kind
        )
        if request.method == "POST" and identity.is_anonymous:
            wait = await self.limiter.retry_after("anonymous", address)
            if wait is not None:
                raise too_many_requests(wait)
        return Context(
            db=self.db,
            settings=self.settings,
            authorizer=self.authorizer,
            limiter=self.limiter,
            mailer=self.mailer,
            identity=identity,
            rejected_credential=credential.rejected,
            client_address=address,
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", ""),
        )

    def parse_json(self, data: str | bytes) -> object:
        """The body, with the trusted document it names (if any) as its query."""
        return self.documents.resolve(super().parse_json(data))

    async def execute_single(self, *, context: Context, request_data: GraphQLRequestData, **kw):
        """Under SUPLINKS_ANONYMOUS_TRUSTED_ONLY, anonymous callers run trusted documents only."""
        if self.settings.anonymous_trusted_only and context.identity.is_anonymous:
            self.documents.require_trusted(request_data.query)
        result = await super().execute_single(context=context, request_data=request_data, **kw)
        context.request.state.retry_read = context.database_lost and context.read_only
        return result

    def encode_json(self, data: object) -> bytes:
        """orjson: a page of 50 profiles serialises several times faster than with json."""
        return orjson.dumps(data)

    async def render_graphql_ide(self, request: Request) -> Response:
        if missing_assets():
            return PlainTextResponse(
                "GraphiQL assets are missing: run `make assets`.", status_code=503
            )
        return FileResponse(GRAPHIQL_PAGE, media_type="text/html")


class PageFiles(StaticFiles):
    """The explorer's files only: scripts, styles, fonts and images, never our Python."""

    SERVED = (".js", ".css", ".map", ".woff", ".woff2", ".ttf", ".svg", ".png")

    def lookup_path(self, path: str):
        if not path.endswith(self.SERVED):
            return "", None
        return super().lookup_path(path)


class DatabaseOutage:
    """Outside GraphQL (the token endpoint, the mailed-link pages): a database that
    went away answers 503 with the request id, not a bare 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if scope["type"] != "http" or started or not database_unavailable(error):
                raise
            request_id = scope.get("state", {}).get("request_id", "")
            logger.warning("request %s: the database is unreachable (%s)", request_id, error)
            await unavailable(request_id).response()(scope, receive, send)


class RequestIdMiddleware:
    """Gives each request an id (echoed as X-Request-Id) and the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """strawberry's own, plus: a ``Refusal`` answers its status and JSON body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"x-request-id", request_id.encode()),
                    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, db: Database, authorizer: Authorizer | None = None) -> ASGIApp:
    """The ASGI application. The caller owns ``db`` (and disposes of it)."""

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    authorizer = authorizer or get_authorizer()
    limiter = limiter_for(settings.rate_limits, settings.redis_url)

    async def readyz(request: Request) -> Response:
        ready, report = await readiness(db, limiter)
        return JSONResponse(report, status_code=200 if ready else 503)

    mailer = mailer_for(settings.smtp_url, settings.data_dir, settings.mail_from)
    mailer.on_result = metrics.mail_delivered
    graphql = SuplinksGraphQL(settings, db, authorizer, limiter, mailer)
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics.metrics_endpoint(settings.metrics_token)),
        Route("/oauth/token", token_endpoint(settings, db, limiter), methods=["POST"]),
        Route(
            "/graphql",
            RequestGuard(
                graphql,
                settings.query_limits.max_body_bytes,
                settings.query_limits.max_tokens,
            ),
            methods=["GET", "POST"],
        ),
        *mail_pages(settings, db, mailer),
        export_route(settings, db, graphql.authorizer, limiter),
        Mount("/static", PageFiles(directory=STATIC_DIR, check_dir=False), name="static"),
    ]
    observed = RequestObserver(
        Starlette(
            routes=routes,
            middleware=[Middleware(DatabaseOutage)],
            lifespan=worker_lifespan(settings, db),
        ),
        db=db,
        authorizer=authorizer,
        operations=known_operations(settings),
        worker_header=not settings.production,
    )
    return RequestIdMiddleware(observed)


def worker_lifespan(settings: Settings, db: Database):
    """The app's lifespan: the webhook worker runs beside the API unless
    ``SUPLINKS_WEBHOOK_WORKER=off`` (then run ``python app.py worker``)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if not settings.webhooks.worker_in_app:
            yield
            return
        async with running(settings, db):
            yield

    return lifespan


def known_operations(settings: Settings) -> frozenset[str]:
    """The operation names metrics and logs may show: the trusted documents' and ours."""
    ours = (path.read_text() for path in sorted(OPERATIONS_DIR.rglob("*.graphql")))
    return metrics.operation_names([*settings.trusted_documents.values(), *ours])


class WorkerLifespan:
    """A worker's stop: once the app's own lifespan has shut down, its pool closes
    and its gauges leave /metrics.

    uvicorn re-raises SIGTERM once a worker has shut down, so nothing at exit
    (``atexit``) would run: the lifespan's shutdown is the last word a worker has.
    """

    def __init__(self, app: ASGIApp, db: Database) -> None:
        self.app = app
        self.db = db

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_after_cleanup(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.db.dispose()
                metrics.worker_exited(os.getpid())
            await send(message)

        await self.app(scope, receive, send_after_cleanup)


def serve_app() -> ASGIApp:
    """The application of one ``serve`` worker, built from the environment.

    ``serve`` has already applied the migrations, seeded the demo data and
    started the embedded PostgreSQL, and put the database's URL (and the public
    URL) in the environment: every worker builds the same settings from it, its
    own pool, and shares the database (and Redis, when set) with the others.
    """
    settings = load_settings()
    configure_logging(settings.log_format)
    db = Database(resolve_database_url(settings), replica_url=settings.database_replica_url)
    app = WorkerLifespan(create_app(settings, db), db)
    # What exists now (modules, schema, policy) lives as long as the process: keep
    # the collector from walking it on every full collection (measured under the
    # search benchmark: 80 ms pauses, 14 ms once frozen).
    gc.freeze()
    return app


# --- command line ------------------------------------------------------------


def _migrate(url: str) -> None:
    from db.migrate import upgrade

    upgrade(url)


async def _seed(settings: Settings, url: str, *, quiet: bool = False) -> None:
    from demo.seed import seed_demo

    db = Database(url, pool_size=2)
    try:
        await seed_demo(db, settings, quiet=quiet)
    finally:
        await db.dispose()


async def _create_api_client(url: str, company: str, name: str, scopes: list[str]) -> int:
    from resolvers.partner import company_by_reference, create_client
    from web.errors import UserInputError

    db = Database(url, pool_size=1)
    try:
        async with db.write() as conn:
            row = await company_by_reference(conn, company)
            if row is None:
                print(f"error: no company {company!r}", file=sys.stderr)
                return 1
            issued = await create_client(conn, row["id"], name, scopes)
    except UserInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()
    print(f"client_id={issued.client_id}")
    print(f"client_secret={issued.client_secret}")
    print("Keep the secret now: it is stored hashed and cannot be shown again.", file=sys.stderr)
    return 0


async def _work(settings: Settings, url: str) -> int:
    """Deliver and purge until SIGINT or SIGTERM; a notice in flight is recorded first."""
    db = Database(url, pool_size=2)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await Worker(settings, db).run(stop)
    finally:
        await db.dispose()
    return 0


async def _purge(settings: Settings, url: str) -> int:
    db = Database(url, pool_size=1)
    try:
        deleted = await Worker(settings, db).purge()
    finally:
        await db.dispose()
    for name, count in deleted.items():
        print(f"{name}={count}")
    return 0


def _write_manifest(output: Path, folder: Path) -> int:
    manifest = build_manifest(folder)
    if not manifest:
        print(f"error: no .graphql file under {folder}", file=sys.stderr)
        return 1
    output.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    print(f"{len(manifest)} trusted documents written to {output}")
    return 0


def _serve(settings: Settings, url: str, host: str, port: int, workers: int, demo: bool) -> None:
    """Migrate and seed once, here; then ``workers`` processes serve (see ``serve_app``)."""
    import uvicorn

    _migrate(url)
    if demo:
        asyncio.run(_seed(settings, url))
    # The workers read their settings from the environment: the embedded server
    # this process started (it stops when this process exits), and this address.
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SUPLINKS_PUBLIC_URL", f"http://{host}:{port}")
    if workers > 1:
        metrics.prepare_multiprocess(settings.data_dir / "metrics")
        if settings.redis_url is None:
            print(
                f"{workers} workers without REDIS_URL: every rate limit is counted per worker"
                f" (up to {workers}x each budget); set REDIS_URL to share them.",
                flush=True,
            )
    if settings.metrics_bind is not None:
        metrics.start_listener(settings.metrics_bind)
    print(f"SUPLINKS serving GraphiQL at http://{host}:{port}/graphql", flush=True)
    if settings.smtp_url is None:
        print(
            f"Mail goes to {outbox_folder(settings.data_dir)} (set SUPLINKS_SMTP_URL to send it);"
            " its links are printed here.",
            flush=True,
        )
    # uvicorn re-raises SIGTERM after its shutdown, which would kill the process
    # before the embedded PostgreSQL is stopped at exit: exit normally instead
    # (with several workers, uvicorn's supervisor stops them and returns).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # proxy_headers off: SUPLINKS_TRUSTED_PROXIES alone decides whom X-Forwarded-For
    # is believed from (uvicorn's default trusts it from any local peer). No access
    # log: web.observe writes one line per request. log_config None: the logging
    # set up by serve_app (plain or JSON) holds in every worker.
    uvicorn.run(
        "app:serve_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        log_config=None,
        access_log=False,
        lifespan="on",
        proxy_headers=False,
        # A worker answers the supervisor's pings once it has imported the app,
        # which takes seconds on a busy machine: uvicorn's 5 s killed it forever.
        timeout_worker_healthcheck=WORKER_START_SECONDS,
    )


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="app.py", description="SUPLINKS service")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="apply migrations, then serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="processes serving requests (production: about one per core)",
    )
    serve.add_argument(
        "--demo", action="store_true", help="seed demo data if the database is empty"
    )
    commands.add_parser("migrate", help="apply pending migrations")
    commands.add_parser("seed-demo", help="add demo data to an empty database")
    commands.add_parser("worker", help="deliver erasure notices; purge on a schedule")
    commands.add_parser("purge", help="delete what is past its retention period, once")
    api_client = commands.add_parser("api-client", help="manage partner ATS API clients")
    api_commands = api_client.add_subparsers(dest="api_command", required=True)
    create = api_commands.add_parser("create", help="create a client; prints its secret once")
    create.add_argument("--company", required=True, help="company id (co_...) or email domain")
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True, help="e.g. pipeline:read")
    documents = commands.add_parser(
        "trusted-documents", help="write a manifest (hash -> document) of .graphql files"
    )
    documents.add_argument("output", type=Path, help="the manifest to write, e.g. trusted.json")
    documents.add_argument("folder", type=Path, nargs="?", default=OPERATIONS_DIR)
    args = parser.parse_args(argv)
    if args.command == "trusted-documents":
        return _write_manifest(args.output, args.folder)

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_format)
    url = resolve_database_url(settings)
    if args.command == "migrate":
        _migrate(url)
    elif args.command == "seed-demo":
        _migrate(url)
        asyncio.run(_seed(settings, url))
    elif args.command == "serve":
        _serve(settings, url, args.host, args.port, args.workers, args.demo)
    elif args.command == "worker":
        _migrate(url)
        return asyncio.run(_work(settings, url))
    elif args.command == "purge":
        _migrate(url)
        return asyncio.run(_purge(settings, url))
    elif args.command == "api-client":
        _migrate(url)
        return asyncio.run(_create_api_client(url, args.company, args.name, args.scope))
    return 0


if __name__ == "__main__":
    sys.exit(main())
