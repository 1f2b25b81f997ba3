"""The two ways an operation fails, and nothing else reaches the client.

- ``ApiError``: a GraphQL error with ``extensions.code`` (UNAUTHENTICATED,
  FORBIDDEN, BAD_USER_INPUT, RATE_LIMITED, INTERNAL).
- ``UserInputError``: a mutation's typed ``userErrors``; raised inside the
  mutation's transaction so that nothing is half-written, then turned into the
  payload by ``resolvers.mutations.run``.
- ``Refusal``: the whole request is refused before any execution (a spent
  per-address budget, an unknown trusted document), with an HTTP status and a
  GraphQL-shaped body.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import GraphQLError
from starlette.responses import JSONResponse

from policies.authorizer import FORBIDDEN, UNAUTHENTICATED, Denied


class ApiError(GraphQLError):
    def __init__(self, code: str, message: str, **extensions: object) -> None:
        super().__init__(message, extensions={"code": code, **extensions})
        self.code = code


def unauthenticated(rejected: bool = False) -> ApiError:
    if rejected:
        return ApiError("UNAUTHENTICATED", "Your session has expired or was revoked: log in again.")
    return ApiError("UNAUTHENTICATED", "You must be logged in to do this.")


def rate_limited(wait: int) -> ApiError:
    """A spent budget, inside an operation: try again in ``wait`` seconds."""
    return ApiError("RATE_LIMITED", f"Too many requests: retry in {wait} seconds.", retryAfter=wait)


def forbidden(message: str = "You may not do this.") -> ApiError:
    return ApiError("FORBIDDEN", message)


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str | None = None


class UserInputError(Exception):
    """One or more problems with a mutation's input; the transaction is rolled back."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def problem(code: str, message: str, field: str | None = None) -> UserInputError:
    return UserInputError(Problem(code, message, field))


NOT_FOUND_MESSAGE = "No such member."


def not_found(field: str = "profileId") -> UserInputError:
    """The one answer for unknown ids and for everything a viewer may not know exists."""
    return problem("NOT_FOUND", NOT_FOUND_MESSAGE, field)


class Refusal(Exception):
    """Answer the request now: ``status``, and ``{"errors": [...]}`` with ``code``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: dict[str, str] | None = None,
        **extensions: object,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.error = {"message": message, "extensions": {"code": code, **extensions}}

    def response(self) -> JSONResponse:
        return JSONResponse({"errors": [self.error]}, self.status, headers=self.headers)


def too_many_requests(wait: int) -> Refusal:
    """429 with ``Retry-After``, the same hint in ``extensions.retryAfter``."""
    return Refusal(
        429,
        "RATE_LIMITED",
        f"Too many requests: retry in {wait} seconds.",
        {"Retry-After": str(wait)},
        retryAfter=wait,
    )


def unavailable(request_id: str) -> Refusal:
    """503: the database went away before anything ran (retry soon); the id is in the log."""
    return Refusal(
        503,
        "INTERNAL",
        f"The service is briefly unavailable: retry in a moment (request id {request_id}).",
        {"Retry-After": "1"},
        requestId=request_id,
    )


def refusal(denied: Denied, *, partner: bool, rejected: bool) -> Exception:
    """The product's answer to a refusal of the policy (``Authorizer.authorize``).

    UNAUTHENTICATED is a GraphQL error (saying so when a presented credential
    was dead); NOT_FOUND is the answer to an unknown id; FORBIDDEN is a
    GraphQL error, or a ``userErrors`` entry for an action refused in its
    mutation's payload.
    """
    action = denied.action
    if denied.code == UNAUTHENTICATED:
        return unauthenticated(rejected)
    if denied.code != FORBIDDEN:
        return not_found(action.field or "id")
    message = (partner and action.partner_refusal) or action.refusal
    if action.in_payload:
        return problem(FORBIDDEN, message, action.field)
    return forbidden(message)


def retired(message: str) -> ApiError:
    """A retired operation: nobody may use it any more (no policy question)."""
    return ApiError(FORBIDDEN, message)
