"""One ASGI middleware for what every response needs: a request id, a JSON access log without
query strings or personal data, Prometheus metrics, security headers and the body-size cap.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekonto.logging_setup import stack_of
from servicekonto.security.secrets import random_token

log = logging.getLogger("servicekonto.access")
errors_log = logging.getLogger("servicekonto.errors")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: Response header naming the answering worker process (dev mode only, see EdgeMiddleware).
WORKER_HEADER = b"x-servicekonto-worker"

REQUESTS = Counter(
    "servicekonto_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
LATENCY = Histogram(
    "servicekonto_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
BASE_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    # `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null` on our own
    # form POSTs (Fetch §3.1, "append a request Origin header"), defeating the Origin check.
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


#: Request headers beyond this total (names and values) are refused with 431 (RFC 6585 §5):
#: browsers send a few KiB; large headers only cost parsing and memory.
HEADER_LIMIT_BYTES = 16 * 1024
#: Answers under these prefixes carry personal data (letters, accounts, admin): never cached
#: (RFC 9111 §5.2.2.5) unless the route set its own Cache-Control.
NO_STORE_PREFIXES = ("/api/v1/",)


class PayloadTooLarge(Exception):
    pass


def _is_api(scope: Scope) -> bool:
    return str(scope["path"]).startswith("/api/")


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        body_limit: int,
        hsts: bool,
        on_error: Callable[[Request], Response] | None = None,
        name_worker: bool = False,
        route_limits: Sequence[tuple[str, str, int]] = (),
        on_too_large: Callable[[Request], Response] | None = None,
        path_limits: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.app = app
        self.body_limit = body_limit
        #: (path prefix, cap) for the few routes whose bodies are larger by design (the Postfach
        #: deposit carries five base64 attachments); the first matching prefix wins.
        self.path_limits = path_limits
        self.on_error = on_error
        #: (method, full-match path pattern, cap): routes with a cap of their own (uploads,
        #: `http.uploads`); their 413 is `on_too_large`'s answer (a page or problem details).
        self.route_limits = [
            (method, re.compile(pattern), limit) for method, pattern, limit in route_limits
        ]
        self.on_too_large = on_too_large
        self.headers = list(BASE_HEADERS)
        if hsts:
            self.headers.append(
                (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
            )
        if name_worker:
            # Dev mode only: which worker process answered, so tests of `serve --workers 2`
            # can check that their requests reached both. Not in production: it tells an
            # outsider how many processes there are.
            self.headers.append((WORKER_HEADER, str(os.getpid()).encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else random_token(12)
        scope.setdefault("state", {})["request_id"] = request_id
        status_holder = [500]

        if sum(len(name) + len(value) for name, value in scope["headers"]) > HEADER_LIMIT_BYTES:
            await self._reject(send, 431, request_id, "request headers too large")
            self._log(scope, 431, started, request_id)
            return

        body_limit, own_limit = self._limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > body_limit):
            refused = 413 if declared.isdigit() else 400
            if refused == 413 and own_limit:
                await self._too_large(scope, receive, send, request_id)
            else:
                await self._reject(send, refused, request_id, problem=_is_api(scope))
            self._log(scope, refused, started, request_id)
            return
        no_store = scope["path"].startswith(NO_STORE_PREFIXES)

        received = 0
        # Set once the body passes the cap. Frameworks may swallow the exception raised from
        # `receive` (FastAPI turns it into a 400 "error parsing the body"), so whatever the app
        # answers after an overflow is dropped and replaced by the 413.
        overflow = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, overflow
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > body_limit:
                    overflow = True
                    raise PayloadTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if overflow and not response_started:
                return
            if message["type"] == "http.response.start":
                response_started = True
                status_holder[0] = message["status"]
                headers = list(message.get("headers", []))
                if no_store and not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                # A response that set one of these itself keeps its own (a download's sandbox
                # CSP): a second header would be combined with it, not replace it.
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self.headers if h[0] not in present)
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except PayloadTooLarge:
            if response_started:
                raise
        except Exception as exc:
            # Answered here, not by Starlette's outer ServerErrorMiddleware, so that the 500
            # carries the security headers and is logged and counted like every other answer.
            self._log_exception(scope, exc, request_id)
            if response_started or self.on_error is None:
                self._log(scope, 500, started, request_id)
                raise
            status_holder[0] = 500
            try:
                response = self.on_error(Request(scope))
            except Exception:  # the error page itself failed: still answer, plainly
                response = PlainTextResponse("Internal Server Error", status_code=500)
            await response(scope, receive, send_with_headers)
        if overflow and not response_started:
            if own_limit:
                await self._too_large(scope, receive, send, request_id)
            else:
                await self._reject(send, 413, request_id, problem=_is_api(scope))
            status_holder[0] = 413
        self._log(scope, status_holder[0], started, request_id)

    def _limit_for(self, scope: Scope) -> tuple[int, bool]:
        """(the body cap of this request, whether its route has a cap of its own)."""
        for method, pattern, limit in self.route_limits:
            if scope["method"] == method and pattern.fullmatch(scope["path"]):
                return limit, True
        for prefix, limit in self.path_limits:
            if scope["path"].startswith(prefix):
                return limit, False
        return self.body_limit, False

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        """The 413 of a route with its own cap, in its surface's words (`on_too_large`)."""
        if self.on_too_large is None:
            await self._reject(send, 413, request_id)
            return
        response = self.on_too_large(Request(scope))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    *self.headers,
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        await response(scope, receive, send_with_headers)

    async def _reject(
        self,
        send: Send,
        status: int,
        request_id: str,
        why: str = "request body too large",
        *,
        problem: bool = False,
    ) -> None:
        """The OAuth error shape, or problem details (RFC 9457) under /api/."""
        content_type = b"application/json"
        payload: dict[str, Any] = {"error": "invalid_request", "error_description": why}
        if problem:
            content_type = b"application/problem+json"
            title = "payload_too_large" if status == 413 else "invalid_request"
            payload = {"type": "about:blank", "title": title, "status": status, "detail": why}
        body = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id.encode()),
                    *self.headers,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _log_exception(scope: Scope, exc: Exception, request_id: str) -> None:
        """The exception's type and stack without its message: a database error's message
        carries the statement's parameters, i.e. what the person typed."""
        route: Any = scope.get("route")
        errors_log.error(
            "unhandled %s",
            type(exc).__name__,
            extra={
                "http": {
                    "method": scope["method"],
                    "route": getattr(route, "path", "unmatched"),
                    "request_id": request_id,
                },
                "stack": stack_of(exc),
            },
        )

    @staticmethod
    def _log(scope: Scope, status: int, started: float, request_id: str) -> None:
        elapsed = time.perf_counter() - started
        route: Any = scope.get("route")
        template = getattr(route, "path", "unmatched")
        REQUESTS.labels(scope["method"], template, str(status)).inc()
        LATENCY.labels(template).observe(elapsed)
        # A 5xx is an error, so it is logged even where the level hides the access log.
        level = logging.ERROR if status >= 500 else logging.INFO
        if log.isEnabledFor(level):
            log.log(
                level,
                "request",
                extra={
                    "http": {
                        "method": scope["method"],
                        "route": template,
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                        "request_id": request_id,
                    }
                },
            )
