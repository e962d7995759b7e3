"""The wheel runs anywhere (issue 11 item 6): built from the sources, installed into a fresh
venv, it migrates, seeds the demo and serves from an empty directory, with its migrations,
templates, static files and data inside the package.

Installing the dependencies from the index took 50 s here; the fresh venv instead sees the test
venv's site-packages through a plain path line in a .pth file. Such a line adds the directory
after the venv's own site-packages and processes none of its .pth files, so the checkout's
editable install stays out: the only ServiceKonto the venv can import is the installed wheel.
"""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import httpx
import pytest

from tests.conftest import clean_environment, free_port, wait_until_up

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str | Path, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


def _setuptools_major() -> int:
    try:
        return int(version("setuptools").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return 0


def _build_wheel(tmp: Path, env: dict[str, str]) -> Path:
    """From a copy of what a source distribution holds: the build writes into its tree."""
    source = tmp / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src",
        source / "src",
        # no compiled catalogs: the build must make them (setup.py)
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.mo"),
    )
    dist = tmp / "dist"
    # Offline when this venv has a setuptools the build accepts (pyproject asks for >= 77);
    # else pip fetches one into an isolated build environment.
    no_isolation = ["--no-build-isolation"] if _setuptools_major() >= 77 else []
    _run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        *no_isolation,
        "-q",
        "-w",
        dist,
        source,
        cwd=tmp,
        env=env,
    )
    (wheel,) = dist.glob("servicekonto-*.whl")
    return wheel


def _fresh_venv(tmp: Path, wheel: Path, env: dict[str, str]) -> Path:
    venv = tmp / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp, env=env)
    python = venv / "bin" / "python"
    purelib = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp, env=env
    ).strip()
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), *site.getsitepackages()}
    (Path(purelib) / "test-dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")
    _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "-q",
        "--no-deps",
        "--no-index",
        wheel,
        cwd=tmp,
        env=env,
    )
    return venv


@pytest.fixture
def installed(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    env = clean_environment(
        SERVICEKONTO_DEV_MODE="1",
        SERVICEKONTO_ARGON2_MEMORY_KIB="1024",
        SERVICEKONTO_ARGON2_TIME_COST="1",
        SERVICEKONTO_LOG_LEVEL="WARNING",
        PIP_NO_INPUT="1",
    )
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    wheel = _build_wheel(tmp_path, env)
    yield _fresh_venv(tmp_path, wheel, env), env


@pytest.mark.server
def test_the_installed_wheel_migrates_seeds_and_serves_from_an_empty_directory(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    venv, env = installed
    command = venv / "bin" / "servicekonto"
    empty = tmp_path / "anywhere"
    empty.mkdir()

    where = _run(
        venv / "bin" / "python",
        "-c",
        "import servicekonto; print(servicekonto.__file__)",
        cwd=empty,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(venv), where  # the wheel, not the checkout

    created = _run(command, "db", "upgrade", cwd=empty, env=env)
    assert created.startswith("database created: all tables at revision "), created
    assert (empty / "var" / "servicekonto.sqlite3").is_file()
    assert "Demo tenant ready" in _run(command, "demo", cwd=empty, env=env)
    common = _run(
        venv / "bin" / "python",
        "-c",
        "from servicekonto.security.passwords import password_problems; "
        "print(password_problems('password1234'))",
        cwd=empty,
        env=env,
    )
    assert common.strip() == "['password_too_common']"  # security/data/ in the wheel

    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as handle:
        proc = subprocess.Popen(
            [str(command), "serve", "--port", str(port), "--workers", "1"],
            cwd=empty,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(f"{base}/readyz", proc, log)
        # Package data: a template, the static files, and the pinned dependency's Swagger assets.
        page = httpx.get(f"{base}/login", timeout=10)
        assert page.status_code == 200
        assert '<html lang="de"' in page.text
        # the catalogs compiled by the build are in the wheel: English comes from its .mo
        english = httpx.get(f"{base}/login", params={"lang": "en"}, timeout=10)
        assert '<html lang="en"' in english.text and "Forgot your password?" in english.text
        assert httpx.get(f"{base}/static/style.css", timeout=10).status_code == 200
        swagger = httpx.get(f"{base}/api/docs/assets/swagger-ui-bundle.js", timeout=10)
        assert swagger.status_code == 200
    finally:
        proc.terminate()
        proc.wait(15)
