"""Request guards in front of every route: body size and cross-site writes."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RequestGuard:
    """Refuses oversized bodies while they stream, and writes from other sites.

    Multipart uploads are spooled to disk by the form parser before any route
    runs, so the size must be counted here, as the bytes arrive. A browser
    sends ``Origin`` with every cross-site POST; a form on another site must
    not be able to upload files or switch models in the user's name.
    """

    def __init__(self, app: ASGIApp, max_request_bytes: int) -> None:
        self.app = app
        self.max_request_bytes = max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]
        }
        if scope["method"] in UNSAFE_METHODS and is_cross_site(headers):
            await answer(send, 403, "requests from other sites may not change anything")
            return
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_request_bytes:
            await answer(send, 413, self._too_large())
            return
        await self._guarded(scope, receive, send)

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        received = 0
        too_large = False
        replaced = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_request_bytes:
                # Reading stops here; the parser sees a client that went away,
                # and its error answer is replaced by the 413 below.
                too_large = True
                logger.warning(
                    "request body over %s bytes refused", self.max_request_bytes
                )
                return {"type": "http.disconnect"}
            return message

        async def replacing_send(message: Message) -> None:
            nonlocal replaced
            if not too_large:
                await send(message)
            elif not replaced:
                replaced = True
                await answer(send, 413, self._too_large())

        await self.app(scope, counting_receive, replacing_send)

    def _too_large(self) -> str:
        return (
            f"the request is larger than {self.max_request_bytes} bytes "
            "(setting max_request_bytes); send fewer or smaller files at once"
        )


def is_cross_site(headers: dict[str, str]) -> bool:
    """Whether a browser says this request comes from a page of another site."""
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != headers.get("host", "")


async def answer(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "detail": {}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
