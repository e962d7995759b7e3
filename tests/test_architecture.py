"""DESIGN §6: the import layers are checked in the test suite (import-linter), nothing below the
protocol layer imports a web framework, and python-jose is not used (checklist R-05)."""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "servicekonto"
WEB_LAYERS = {"web", "oidc", "api", "sim"}
TOP = {"app", "cli"}
FRAMEWORKS = ("fastapi", "starlette", "jinja2")


def _contracts() -> list[dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts: list[dict[str, Any]] = config["tool"]["importlinter"]["contracts"]
    return contracts


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _top_level_name(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def test_import_linter_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).parent / "lint-imports"
    if not lint_imports.exists():
        pytest.fail(f"{lint_imports} is missing; install the dev extras (make install)")
    result = subprocess.run(
        [str(lint_imports)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "No web framework below the protocol layer KEPT" in output, output
    assert "DESIGN §6 layers KEPT" in output, output
    assert "Product packages never import the simulators and demo" in output, output
    assert " 0 broken" in output, output


def test_every_product_package_is_kept_from_importing_the_simulators() -> None:
    """Only the composition root (app, cli) may wire in sim/; a new package joins the contract."""
    contracts = {str(c["name"]): c for c in _contracts()}
    (sim_contract,) = [c for name, c in contracts.items() if name.startswith("Product packages")]
    assert sim_contract["forbidden_modules"] == ["servicekonto.sim"]
    sources = {str(m).removeprefix("servicekonto.") for m in sim_contract["source_modules"]}
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    product = packages - {"sim"}
    assert product <= sources, f"not kept from importing sim: {product - sources}"


def test_every_package_is_in_a_layer_and_below_layer_3_is_framework_free() -> None:
    """A new package must join the contracts, or import-linter would not check it."""
    contracts = {str(c["name"]): c for c in _contracts()}
    layers = contracts["DESIGN §6 layers"]["layers"]
    assert isinstance(layers, list)
    layered = {
        name.strip().removeprefix("servicekonto.") for layer in layers for name in layer.split("|")
    }
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= layered, f"packages missing from the layers contract: {packages - layered}"

    forbidden = contracts["No web framework below the protocol layer"]
    sources = {str(m).removeprefix("servicekonto.") for m in forbidden["source_modules"]}
    assert set(FRAMEWORKS) <= set(forbidden["forbidden_modules"])
    below = packages - WEB_LAYERS
    assert below <= sources, f"not checked for framework imports: {below - sources}"


def test_no_module_below_the_protocol_layer_imports_a_web_framework() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        top = _top_level_name(path)
        if top in WEB_LAYERS | TOP:
            continue
        for name in _imports(path):
            if name.split(".")[0] in FRAMEWORKS:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_python_jose_is_neither_installed_nor_imported() -> None:
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("python-jose")
    assert importlib.util.find_spec("jose") is None, "a `jose` module is importable"
    users = [
        str(path.relative_to(ROOT))
        for path in sorted(PACKAGE.rglob("*.py"))
        if any(name == "jose" or name.startswith("jose.") for name in _imports(path))
    ]
    assert not users, f"python-jose imported in {users}"
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert not [d for d in dependencies if d.lower().replace("_", "-").startswith("python-jose")]
