"""axe-core (the npm package pinned in tests/interop/package.json) run inside a Playwright page.

DESIGN §11 and BITV 2.0: our pages must have no WCAG 2.1 A/AA violation. `violations(page)` asks
axe for exactly those rules and returns what it found in a form that reads well in an assertion
message: rule, impact, the offending elements' selectors and axe's one-line help.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from tests.tools import require_node_package

WCAG21_AA = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

# axe.run returns a large result object; only what a report needs crosses back into Python.
_RUN = """
async (tags) => {
  const result = await axe.run(document, {
    runOnly: { type: "tag", values: tags },
    resultTypes: ["violations"],
  });
  return result.violations.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    help: rule.help,
    targets: rule.nodes.map((node) => node.target.join(" ")),
    details: rule.nodes.map((node) => node.failureSummary || ""),
  }));
}
"""


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    details: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.rule} ({self.impact}): {self.help}"]
        for target, detail in zip(self.targets, self.details, strict=True):
            lines.append(f"    {target}")
            lines.extend(f"      {line}" for line in detail.splitlines() if line.strip())
        return "\n".join(lines)


@cache
def _axe_source() -> str:
    return (require_node_package("axe-core") / "axe.min.js").read_text(encoding="utf-8")


def inject(page: Any) -> None:
    """Load axe into the current document (again after every navigation).

    `page.add_script_tag` would add an inline <script>, which our Content-Security-Policy
    (`script-src 'self'`) rightly blocks; and a context with `bypass_csp` would test pages
    without the header they are served with. A DevTools evaluation is not subject to the page's
    CSP, so axe is evaluated that way.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    if not page.evaluate("() => typeof window.axe === 'object'"):
        raise AssertionError(f"axe-core did not load into {page.url}")


def violations(page: Any, tags: tuple[str, ...] = WCAG21_AA) -> list[Violation]:
    """The WCAG 2.1 A/AA violations axe finds in the page as it is now."""
    inject(page)
    found = page.evaluate(_RUN, list(tags))
    return [
        Violation(
            rule=item["id"],
            impact=item["impact"] or "unknown",
            help=item["help"],
            targets=tuple(item["targets"]),
            details=tuple(item["details"]),
        )
        for item in found
    ]


def report(where: str, found: list[Violation]) -> str:
    """A readable block for an assertion message: the page, then each violated rule."""
    if not found:
        return f"{where}: no violations"
    return "\n".join([f"{where}: {len(found)} rule(s) violated", *(f"  {v}" for v in found)])
