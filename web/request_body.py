"""Every request to /graphql is a JSON object of known shape, or a 400 before anything runs.

An ASGI wrapper around the GraphQL app: it reads the body up to a size limit
(413 past it, read no further: the ``Content-Length`` is checked first, then
the bytes actually received are counted), checks the content type, the UTF-8,
the JSON, its nesting and the shape of the request, and only then hands the
same bytes on. A refused request never reaches strawberry, so a bad body can
never end in a 500 or a traceback.

Batched requests (a JSON array of operations) are refused: one HTTP request is
one operation, so every limit and budget applies per operation, and graphql-cop's
"batch queries" finding stays closed. GET runs no operation (it serves GraphiQL).
"""

from __future__ import annotations

import re
from itertools import islice
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# A request's JSON nests a few levels; variables a few more. Deeper is an attack on
# the parsers behind (graphql-core coerces variables recursively).
MAX_JSON_DEPTH = 32


# GraphQL's tokens as its lexer reads them (strings, block strings, the spread,
# punctuators, numbers, names), and comments, which are no tokens. Commas and
# white space are skipped by ``finditer``; anything else too, so the count never
# exceeds the lexer's: a refusal here is one the parser would make.
_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|"(?:[^"\\\n]|\\.)*"|\.\.\.|[!$&():=@\[\]{}|]'
    r"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[_A-Za-z]\w*|#[^\n\r]*"
)


class BadRequest(Exception):
    def __init__(self, message: str, status: int = 400, **extensions: object) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.extensions = {"code": "BAD_REQUEST", **extensions}


def error_body(message: str, extensions: dict | None = None) -> bytes:
    extensions = extensions or {"code": "BAD_REQUEST"}
    return orjson.dumps({"errors": [{"message": message, "extensions": extensions}]})


def more_tokens_than(document: str, limit: int) -> bool:
    """Does ``document`` hold more than ``limit`` GraphQL tokens? Counted by a
    compiled regular expression, stopping at ``limit + 1``: a flood costs
    microseconds per token here, where graphql-core's pure-Python lexer, which
    strawberry runs (twice when a document fails to parse), costs ten times more.
    """
    tokens = (match for match in _TOKEN.finditer(document) if match[0][0] != "#")
    return next(islice(tokens, limit, None), None) is not None


def check_tokens(data: dict, limit: int) -> None:
    """QUERY_TOO_COMPLEX before strawberry sees a document over the token limit."""
    query = data.get("query")
    if isinstance(query, str) and more_tokens_than(query, limit):
        raise BadRequest(
            f"Syntax Error: Document contains more than {limit} tokens. Parsing aborted.",
            200,
            code="QUERY_TOO_COMPLEX",
            limit="tokens",
        )


def json_depth(value: object) -> int:
    """How deeply arrays and objects nest in ``value`` (iterative: no recursion limit)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _optional(data: dict, key: str, kind: type, name: str) -> None:
    if data.get(key) is not None and not isinstance(data[key], kind):
        raise BadRequest(f"`{key}` must be {name}.")


def check_operation(data: object) -> None:
    """The body of one GraphQL operation: an object with a string ``query`` (or a
    trusted document's id), an object of ``variables``, a string ``operationName``."""
    if isinstance(data, list):
        raise BadRequest("Batched operations are not accepted: send one operation per request.")
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object.")
    _optional(data, "query", str, "a string")
    _optional(data, "variables", dict, "an object")
    _optional(data, "operationName", str, "a string")
    _optional(data, "extensions", dict, "an object")
    _optional(data, "documentId", str, "a string")
    named = data.get("documentId") or (data.get("extensions") or {}).get("persistedQuery")
    if data.get("query") is None and not named:
        raise BadRequest("The request has no `query`.")


def parse_operation(body: bytes) -> dict:
    """The operation in ``body``, or ``BadRequest`` saying what is wrong with it."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        if "UTF-8" in str(exc):
            raise BadRequest("The request body is not valid UTF-8.") from None
        raise BadRequest("The request body is not valid JSON.") from None
    if json_depth(data) > MAX_JSON_DEPTH:
        raise BadRequest(f"The request body nests deeper than {MAX_JSON_DEPTH} levels.")
    check_operation(data)
    return data


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, refusing (413) as soon as it is known to exceed ``limit``."""
    declared = _header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BadRequest("The client went away.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BadRequest(f"The request body is larger than {limit} bytes.", 413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class RequestGuard:
    """Lets through only well-formed GraphQL requests (and GraphiQL's page)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_tokens: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_tokens = max_tokens

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            if scope["method"] == "POST":
                receive = await self._checked(scope, receive)
            elif "query" in parse_qs(scope.get("query_string", b"").decode("latin-1")):
                raise BadRequest("Send operations as a JSON POST; GET serves GraphiQL only.")
        except BadRequest as refused:
            await _answer(send, refused)
            return
        await self.app(scope, receive, send)

    async def _checked(self, scope: Scope, receive: Receive) -> Receive:
        media_type = _header(scope, b"content-type").partition(";")[0].strip().lower()
        if media_type != "application/json":
            raise BadRequest("The request must be `application/json`.")
        body = await read_body(scope, receive, self.max_body_bytes)
        check_tokens(parse_operation(body), self.max_tokens)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


async def _answer(send: Send, refused: BadRequest) -> None:
    body = error_body(refused.message, refused.extensions)
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
