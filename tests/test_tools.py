"""DESIGN §11: a test that needs an outside tool skips on a laptop without it, but under CI=true
the same skip is a failure, because .ci/run installs every tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import tools


def test_missing_tool_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI=true but no-such-tool"):
        tools.require_executable("no-such-tool", "apt-get install no-such-tool")


def test_missing_tool_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tools, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install no-such-tool"):
        tools.require_executable("no-such-tool", "apt-get install no-such-tool")


def test_missing_node_package_fails_under_ci(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(tools, "IN_CI", True)
    monkeypatch.setattr(tools, "NODE_MODULES", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="npm ci"):
        tools.require_node_package("openid-client")


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "True", "yes", "on", " true "])
def test_ci_truthy_values_count_as_ci(value: str) -> None:
    assert tools.in_ci({"CI": value}) is True


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "nope"])
def test_other_ci_values_and_no_ci_do_not(value: str) -> None:
    assert tools.in_ci({"CI": value}) is False
    assert tools.in_ci({}) is False
