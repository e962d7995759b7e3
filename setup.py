"""Build step the pyproject cannot declare: compile the gettext catalogs.

`servicekonto/locale/<language>/LC_MESSAGES/messages.po` is the source, committed; the `.mo` the
app reads is built here, into the wheel (or, for an editable install, next to the `.po`), so
neither a wheel nor `pip install .` needs a compiled file in the checkout. Fuzzy or empty
translations are compiled as missing (they fall back to the German source text); the catalog
test in tests/test_catalogs.py keeps them out of the repository.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGS = Path("src") / "servicekonto" / "locale"


def compile_catalogs(source: Path, target: Path) -> list[str]:
    """Compile every `.po` under `source` to the same place under `target`; the written files."""
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        mo = target / po.relative_to(source).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(str(mo))
    return written


class BuildWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        # Editable installs import from src/: compile in place there.
        target = CATALOGS if self.editable_mode else Path(self.build_lib) / "servicekonto" / "locale"
        self._compiled = compile_catalogs(CATALOGS, target)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        compiled = [] if self.editable_mode else getattr(self, "_compiled", [])
        return [*super().get_outputs(include_bytecode), *compiled]


setup(cmdclass={"build_py": BuildWithCatalogs})
