"""How every mutation runs: inside one transaction, with typed user errors.

A mutation body raises ``UserInputError`` for bad input; the transaction is
rolled back whole (nothing half-written) and the problems become the
payload's ``userErrors``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from schema.types import UserError
from web.context import Context
from web.errors import UserInputError

T = TypeVar("T")


async def run(
    ctx: Context,
    body: Callable[[AsyncConnection], Awaitable[T]],
) -> tuple[T | None, list[UserError]]:
    """Run ``body`` in a transaction: (its result, []) or (None, the user errors).

    Mails the body queued leave only after the commit: a rolled-back change
    mails nothing.
    """
    try:
        async with ctx.db.write() as conn:
            result = await body(conn)
    except UserInputError as exc:
        ctx.queued_mail.clear()
        return None, user_errors(exc)
    except BaseException:
        ctx.queued_mail.clear()
        raise
    ctx.forget_loaded()  # later reads in this request must see the change
    ctx.send_queued_mail()
    return result, []


async def checked(work: Awaitable[T]) -> tuple[T | None, list[UserError]]:
    """``work``'s result, or its user errors: for checks made before any transaction."""
    try:
        return await work, []
    except UserInputError as exc:
        return None, user_errors(exc)


def user_errors(exc: UserInputError) -> list[UserError]:
    return [UserError(field=p.field, message=p.message, code=p.code) for p in exc.problems]
