"""The ClamAV adapter of the malware-scan port: clamd's INSTREAM command over its socket.

Protocol (clamd(8), "COMMANDS"): the `z` prefix means NUL-terminated commands and replies. The
client sends `zINSTREAM\\0`, then the data in chunks, each preceded by its length as a 4-byte
unsigned integer in network byte order, and a zero length to end the stream. clamd answers one
line: `stream: OK`, `stream: <signature> FOUND`, or `<message> ERROR` — among them `INSTREAM
size limit exceeded. ERROR` when the stream passes clamd's `StreamMaxLength`, after which it
closes the connection (the reply may arrive while we are still sending). `zPING\\0` answers
`PONG`.

Addresses (`SERVICEKONTO_CLAMD_URL`): `unix:///run/clamav/clamd.ctl` (Debian's LocalSocket) or
`tcp://host:3310`. One deadline (`timeout`) covers connecting, sending and the answer; anything
but a well-formed answer within it is `ScannerUnavailable` — never a clean verdict.
"""

from __future__ import annotations

import re
import socket
import struct
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from servicekonto.uploads.scan import ScannerRefused, ScannerUnavailable, Verdict

CHUNK_BYTES = 64 * 1024
_REPLY_MAX = 4096
_FOUND = re.compile(r"stream: (?P<signature>.+) FOUND")
#: A signature name as shown and logged: ClamAV names are ASCII words, dots and dashes.
_SIGNATURE_UNSAFE = re.compile(r"[^A-Za-z0-9._:/+-]")


@dataclass(frozen=True)
class ClamdAddress:
    #: A socket path (unix) or (host, port) (tcp, IPv4 or IPv6 as the name resolves).
    target: str | tuple[str, int]


def parse_url(url: str) -> ClamdAddress:
    """`unix:///path` or `tcp://host:port` (the settings validate the same form)."""
    parts = urlsplit(url)
    if parts.scheme == "unix" and parts.path.startswith("/") and not parts.netloc:
        return ClamdAddress(parts.path)
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        return ClamdAddress((parts.hostname, parts.port))
    raise ValueError("clamd URL must be unix:///path or tcp://host:port")


class ClamdScanner:
    """Scan with a running clamd (module doc)."""

    name = "clamd"

    def __init__(self, url: str, *, timeout: float = 30.0, chunk_bytes: int = CHUNK_BYTES) -> None:
        self._address = parse_url(url)
        self._timeout = timeout
        self._chunk_bytes = chunk_bytes

    def scan(self, data: bytes) -> Verdict:
        deadline = time.monotonic() + self._timeout
        with self._connect(deadline) as conn:
            sent_all = self._send_stream(conn, data, deadline)
            reply = self._reply(conn, deadline)
        return _verdict(reply, sent_all=sent_all)

    def ping(self) -> bool:
        """True when clamd answers PONG within the timeout."""
        deadline = time.monotonic() + self._timeout
        try:
            with self._connect(deadline) as conn:
                _remaining(conn, deadline)
                conn.sendall(b"zPING\0")
                return self._reply(conn, deadline) == "PONG"
        except (ScannerUnavailable, OSError):
            return False

    # -- steps ------------------------------------------------------------------------------

    def _connect(self, deadline: float) -> socket.socket:
        target = self._address.target
        conn: socket.socket | None = None
        try:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            if isinstance(target, str):
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                conn.settimeout(left)
                conn.connect(target)
                return conn
            return socket.create_connection(target, timeout=left)
        except TimeoutError as exc:
            if conn is not None:
                conn.close()
            raise ScannerUnavailable("connect_timeout") from exc
        except OSError as exc:
            if conn is not None:
                conn.close()
            raise ScannerUnavailable("connect_failed") from exc

    def _send_stream(self, conn: socket.socket, data: bytes, deadline: float) -> bool:
        """Send the INSTREAM command and data; False when clamd closed the connection before
        taking it all (its reply, read next, says why)."""
        view = memoryview(data)
        try:
            _remaining(conn, deadline)
            conn.sendall(b"zINSTREAM\0")
            for start in range(0, len(view), self._chunk_bytes):
                chunk = view[start : start + self._chunk_bytes]
                _remaining(conn, deadline)
                conn.sendall(struct.pack(">I", len(chunk)))
                conn.sendall(chunk)
            _remaining(conn, deadline)
            conn.sendall(struct.pack(">I", 0))
        except TimeoutError as exc:
            raise ScannerUnavailable("send_timeout") from exc
        except (BrokenPipeError, ConnectionResetError):
            return False
        except OSError as exc:
            raise ScannerUnavailable("send_failed") from exc
        return True

    def _reply(self, conn: socket.socket, deadline: float) -> str:
        received = b""
        try:
            while b"\0" not in received and len(received) < _REPLY_MAX:
                _remaining(conn, deadline)
                chunk = conn.recv(_REPLY_MAX)
                if not chunk:
                    break
                received += chunk
        except TimeoutError as exc:
            raise ScannerUnavailable("reply_timeout") from exc
        except OSError as exc:
            raise ScannerUnavailable("reply_failed") from exc
        return received.split(b"\0", 1)[0].decode("utf-8", "replace").strip()


def _remaining(conn: socket.socket, deadline: float) -> None:
    """Give the next socket operation what is left of the deadline."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError
    conn.settimeout(left)


def _verdict(reply: str, *, sent_all: bool) -> Verdict:
    if reply == "stream: OK" and sent_all:
        return Verdict(infected=False)
    found = _FOUND.fullmatch(reply)
    if found is not None:
        # clamd may stop reading once it has found something; the verdict stands.
        signature = _SIGNATURE_UNSAFE.sub("_", found.group("signature"))[:100]
        return Verdict(infected=True, signature=signature)
    if "size limit exceeded" in reply:
        raise ScannerRefused("stream_size_limit")
    if not reply:
        raise ScannerUnavailable("no_reply" if sent_all else "connection_closed")
    if reply.endswith("ERROR"):
        raise ScannerUnavailable("clamd_error")
    raise ScannerUnavailable("unexpected_reply")
