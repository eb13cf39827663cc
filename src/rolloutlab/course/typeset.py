"""Every French text of the repository typeset as French (`rolloutlab.typography.french`): the catalogue's
translations, the Markdown cells of labs/fr and the pages of docs/fr. `./scripts/typeset-french` rewrites them
after French has been written or merged; tests/test_typography.py reads them through `french_texts` and fails on
any that is not typeset.

docs/fr/environment.md is made from the catalogue (`rolloutlab environment --write-docs`): it is written again
from it, never typeset on its own."""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from rolloutlab import environment, i18n
from rolloutlab.paths import repository
from rolloutlab.typography import french

LANG = "fr"


class FrenchText(NamedTuple):
    where: str  # the file, and the message or cell in it
    text: str
    blocks: bool  # Markdown, with code blocks (a cell, a page), not a one-line message


def catalogue_path() -> Path:
    return Path(str(i18n.catalogue_file(LANG)))


def lab_paths() -> list[Path]:
    return sorted(repository().labs_in(LANG).glob("[0-9][0-9]-*.ipynb"))


def page_paths() -> list[Path]:
    """docs/fr's pages, the generated environment.md included (tested like the others, written from the code)."""
    return sorted(repository().docs_in(LANG).rglob("*.md"))


def french_texts() -> Iterator[FrenchText]:
    """Each French text as it is stored: a catalogue message's translation (each plural form), a lab's Markdown
    cell, a page."""
    import nbformat
    from babel.messages.pofile import read_po

    root = repository().root
    po = catalogue_path()
    with po.open("rb") as source:
        catalog = read_po(source, locale=LANG)
    for message in catalog:
        if not message.id:
            continue  # the header
        strings = _forms(message.string)
        for form, text in enumerate(strings):
            plural = f" (form {form})" if len(strings) > 1 else ""
            yield FrenchText(f"{po.name}: msgid {_forms(message.id)[0]!r}{plural}", text, blocks=False)
    for path in lab_paths():
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                yield FrenchText(f"{path.relative_to(root)}: cell {index}", cell.source, blocks=True)
    for path in page_paths():
        yield FrenchText(str(path.relative_to(root)), path.read_text(), blocks=True)


def typeset_french() -> dict[Path, int]:
    """Rewrite every French text typeset; the files changed, with how many places changed in each."""
    changed = {po: n for po in [catalogue_path()] if (n := _typeset_catalogue(po))}
    changed |= {lab: n for lab in lab_paths() if (n := _typeset_lab(lab))}
    made = repository().docs_in(LANG) / environment.PAGE
    changed |= {page: n for page in page_paths() if page != made and (n := _typeset_page(page))}
    i18n._translations.cache_clear()  # the catalogue just written, not the one read before
    if made.read_text() != (page := environment.page(LANG)):
        changed[made] = _changes(made.read_text(), page)
        made.write_text(page)
    return changed


def _typeset_catalogue(po: Path) -> int:
    """Babel writes it back as `./scripts/messages` does (width 120), so only the translations change."""
    from babel.messages.pofile import read_po, write_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=LANG)
    count = 0
    for message in catalog:
        if not message.id:
            continue  # the header
        forms = tuple(french(s, blocks=False) for s in _forms(message.string))
        count += sum(_changes(a, b) for a, b in zip(_forms(message.string), forms, strict=True))
        message.string = forms if isinstance(message.string, list | tuple) else forms[0]
    if count:
        written = io.BytesIO()
        write_po(written, catalog, width=120)
        po.write_bytes(written.getvalue())
    return count


def _typeset_lab(path: Path) -> int:
    """Only the Markdown cells; the lab stored as JupyterLab saves it (`./scripts/format-labs`)."""
    import nbformat

    from rolloutlab.course.jupyter import as_jupyterlab_saves

    nb = nbformat.read(path, as_version=4)
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            typeset = french(cell.source)
            count += _changes(cell.source, typeset)
            cell.source = typeset
    if count:
        path.write_text(as_jupyterlab_saves(nb))
    return count


def _typeset_page(path: Path) -> int:
    text = path.read_text()
    typeset = french(text)
    if typeset != text:
        path.write_text(typeset)
    return _changes(text, typeset)


def _changes(before: str, after: str) -> int:
    """How many places differ: each space set again counts one."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return sum(1 for op, *_span in matcher.get_opcodes() if op != "equal")


def _forms(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """A message's id or translation as its forms: one, or a plural's singular and plurals."""
    return tuple(value) if isinstance(value, list | tuple) else (value or "",)
