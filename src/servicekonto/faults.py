"""Named crash points for crash tests (checklist D-04): `SK_CRASH_AT=<name>` makes the process
exit at once (like kill -9) when it reaches that point. Unset in every real deployment."""

from __future__ import annotations

import os


def crash_point(name: str) -> None:
    if os.environ.get("SK_CRASH_AT") == name:
        os._exit(137)
