"""Time-based one-time passwords (RFC 6238 on top of RFC 4226 HOTP), standard library only.

The parameters are the ones every authenticator app understands without asking: HMAC-SHA1,
6 digits, 30-second steps. SHA-1 is not a weakness here: HOTP needs only HMAC's PRF property
(RFC 4226 Appendix A.4), and apps frequently ignore other `algorithm` values silently, which would
produce wrong codes.

Replay protection (RFC 6238 §5.2: "the verifier MUST NOT accept the second attempt of the OTP
after the successful validation") is not in this module: it needs state, and the service keeps
the last accepted step per means and advances it with one conditional UPDATE.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from datetime import datetime
from urllib.parse import quote, urlencode

DIGITS = 6
#: Seconds per time step (RFC 6238 §5.2 recommends 30).
PERIOD = 30
#: Steps accepted either side of the current one: RFC 6238 §5.2 recommends at most one step of
#: network delay; a one-step window also absorbs a phone clock that is a little off.
WINDOW = 1
#: 160 bits, the HMAC-SHA1 output length, as RFC 4226 §4 R6 recommends.
SECRET_BYTES = 20


def new_secret() -> bytes:
    """A fresh shared secret from the OS CSPRNG (RFC 4226 §7.5)."""
    return os.urandom(SECRET_BYTES)


def to_base32(secret: bytes) -> str:
    """Base32 without padding: what apps expect in the URI and what people type by hand."""
    return base64.b32encode(secret).decode("ascii").rstrip("=")


def grouped(text: str, size: int = 4) -> str:
    """`JBSW Y3DP EHPK 3PXP …`: groups people can copy without losing their place."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def time_step(now: datetime) -> int:
    """T = floor((Unix time − T0) / X) with T0 = 0 and X = 30 (RFC 6238 §4.2)."""
    if now.tzinfo is None:
        # A naive datetime would be read as local time and shift every code by the UTC offset.
        raise ValueError("time_step needs a timezone-aware datetime")
    return int(now.timestamp()) // PERIOD


def code_at(secret: bytes, step: int, digits: int = DIGITS) -> str:
    """HOTP(K, C) with C = the time step (RFC 4226 §5.3), zero-padded to `digits`."""
    if not 6 <= digits <= 8:
        raise ValueError("RFC 4226 defines 6 to 8 digits")
    mac = hmac.new(secret, step.to_bytes(8, "big"), hashlib.sha1).digest()
    # Dynamic truncation (RFC 4226 §5.4): the low nibble of the last byte picks 4 bytes, and the
    # top bit is dropped so the number is the same signed or unsigned on every platform.
    offset = mac[-1] & 0x0F
    number = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def matching_step(
    secret: bytes, code: str, now: datetime, window: int = WINDOW, digits: int = DIGITS
) -> int | None:
    """The time step whose code `code` is, within ±`window` steps of `now`; None otherwise.

    Spaces are ignored (apps show `123 456`). Anything that is not exactly `digits` ASCII digits is
    refused before any HMAC is computed: `str.isdigit` alone would accept `²` or Arabic-Indic
    digits. Every step in the window is compared, in constant time, and the loop does not stop at
    a match, so the timing says nothing about which step (if any) matched. The earliest matching
    step is returned: the later of two coinciding codes would needlessly reject the next one.
    """
    candidate = "".join(code.split())
    if len(candidate) != digits or not (candidate.isascii() and candidate.isdigit()):
        return None
    current = time_step(now)
    found: int | None = None
    for step in range(current - window, current + window + 1):
        if hmac.compare_digest(code_at(secret, step, digits), candidate) and found is None:
            found = step
    return found


def provisioning_uri(secret: bytes, *, account_name: str, issuer: str) -> str:
    """The `otpauth://` URI for the QR code (Google Authenticator Key Uri Format).

    Issuer and account name are percent-encoded as UTF-8 in the label *and* the issuer is repeated
    as a parameter (apps that ignore one read the other). Everything outside the unreserved set is
    encoded, `+` and `@` included: several apps decode `+` as a space, which would show
    `erika mustermann@…`. `quote_via=quote` keeps spaces as `%20` rather than `+` for the same
    reason.
    """
    label = f"{quote(issuer, safe='')}:{quote(account_name, safe='')}"
    query = urlencode(
        {
            "secret": to_base32(secret),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": str(DIGITS),
            "period": str(PERIOD),
        },
        quote_via=quote,
        safe="",
    )
    return f"otpauth://totp/{label}?{query}"
