"""Outside tools the browser, interop and benchmark tests drive: where they live, and what a test
does when one is missing — skip with the install hint on a laptop, fail under CI=true (DESIGN §11),
because `.ci/run` installs every one of them."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

import pytest

#: What CI services and people write for "yes" (GitHub/GitLab set `true`, others `1`).
TRUTHY = frozenset({"1", "true", "yes", "on"})


def in_ci(environ: Mapping[str, str]) -> bool:
    return environ.get("CI", "").strip().lower() in TRUTHY


IN_CI = in_ci(os.environ)
ROOT = Path(__file__).resolve().parents[1]
INTEROP_DIR = ROOT / "tests" / "interop"
NODE_MODULES = INTEROP_DIR / "node_modules"

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling Google on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def missing_tool(what: str, hint: str) -> None:
    """Skip (or fail under CI=true) because `what` is not installed; `hint` says how to get it."""
    message = f"{what} is not installed ({hint})"
    if IN_CI:
        pytest.fail(f"CI=true but {message}; .ci/run must install it")
    pytest.skip(message)


def require_executable(name: str, hint: str) -> str:
    """The path of executable `name`, or skip/fail as `missing_tool` does."""
    path = shutil.which(name)
    if path is None and os.path.isabs(name) and os.access(name, os.X_OK):
        path = name
    if path is None:
        missing_tool(name, hint)
    assert path is not None
    return path


def require_chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        missing_tool("Chromium", "apt-get install chromium")
    return CHROMIUM


def require_node_package(package: str) -> Path:
    """The folder of an npm package pinned in tests/interop/package.json (after `npm ci` there)."""
    require_executable("node", "apt-get install nodejs")
    folder = NODE_MODULES / package
    if not folder.is_dir():
        missing_tool(f"npm package {package}", "run `npm ci` in tests/interop")
    return folder
