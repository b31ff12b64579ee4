"""InitProducerId (22): ids and epochs for idempotent producers (no transactions)."""

from __future__ import annotations

from typing import Any

from kio.schema.errors import ErrorCode

from airstream.broker.handlers.registry import Api, RequestContext


async def init_producer_id(ctx: RequestContext, request: Any) -> Any:
    if request.transactional_id is not None:
        # Transactions are not implemented; refusing here makes clients fail at
        # init_transactions() with a clear, non-retriable error instead of hanging.
        return ctx.respond(
            error_code=ErrorCode.transactional_id_authorization_failed,
            producer_id=-1,
            producer_epoch=-1,
        )
    producer_id = int(getattr(request, "producer_id", -1))
    epoch = int(getattr(request, "producer_epoch", -1))
    granted = ctx.broker.producer_ids.init(producer_id, epoch)
    if granted is None:
        return ctx.respond(error_code=ErrorCode.producer_fenced, producer_id=-1, producer_epoch=-1)
    return ctx.respond(error_code=ErrorCode.none, producer_id=granted[0], producer_epoch=granted[1])


APIS = [Api(22, 0, 5, init_producer_id)]
