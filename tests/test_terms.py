"""One French term per concept: the glossary chooses it, and the French labs and catalogue use it."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "fr" / "glossary.md"
CATALOGUE = ROOT / "src" / "rolloutlab" / "locale" / "fr" / "LC_MESSAGES" / "rolloutlab.po"

# The term the glossary chooses (the start of its French column), and the renderings the French text must not use.
CHOSEN = {
    "mise à jour progressive": re.compile(r"\b(le|la|un|une|ce|cette|du|des|les|dernier|dernière)\s+rollouts?\b", re.I),
    "namespace": re.compile(r"espace de noms", re.I),
    "sonde de préparation": re.compile(r"sonde de (disponibilité|readiness)", re.I),
}


def french_texts() -> list[tuple[str, str]]:
    """(where, text) for every French markdown cell and catalogue entry, with code and quoted course notes taken
    out: commands keep kubectl's English, and the notes are quoted as they were written."""
    found = []
    for path in sorted((ROOT / "labs" / "fr").glob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                found.append((f"{path.name} cell {index}", cell.source))
    with CATALOGUE.open("rb") as f:
        for message in read_po(f):
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            found += [(f"catalogue: {message.id!r:.60}", s) for s in strings if message.id]
    return [(where, re.sub(r"`[^`]*`|«[^»]*»", "", text)) for where, text in found]


def test_the_glossary_lists_each_chosen_term_first():
    """Each chosen French term opens a row of the glossary's French column, so a reader finds the word the labs
    use, with its alternatives in parentheses."""
    rows = [line.split("|")[1].strip() for line in GLOSSARY.read_text().splitlines() if line.startswith("| ")]
    for term in CHOSEN:
        assert any(row.startswith(term) for row in rows), term


def test_the_french_labs_and_catalogue_use_the_glossarys_term():
    """No French lab prose or message names a concept with a rendering the glossary did not choose: « mise à jour
    progressive » for the action (never « le rollout »), `namespace` (never « espace de noms »), « sonde de
    préparation »."""
    texts = french_texts()
    assert len(texts) > 500
    for term, avoided in CHOSEN.items():
        used = [(where, found.group(0)) for where, text in texts if (found := avoided.search(text))]
        assert not used, (term, used[:5])
