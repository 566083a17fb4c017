"""Compile the translation catalogs (.po -> .mo) whenever the package is built.

The .mo files are build output and never committed; this hook makes both the wheel and an
editable install carry them.
"""

from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root) / "competition" / "translations"
        for po_path in sorted(root.glob("*/LC_MESSAGES/messages.po")):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parts[-3])
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalog)
