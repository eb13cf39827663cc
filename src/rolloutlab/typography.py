"""French typeset as French: a non-breaking space (U+00A0) before `:` and inside « », a narrow one (U+202F)
before `;`, `?` and `!`. With a plain space there, a rendered line (a browser's, a terminal's) may start with
`:` or `»`, cut from the word it belongs to.

`french()` typesets a text: a catalogue message, a lab's Markdown cell, a page of docs/fr. It only turns spaces
that are already there into the right non-breaking one (it adds none: `a:b`, `localhost:5001` and `http://` keep
their colon as they are) and leaves code alone: Markdown code spans and blocks, URLs, and the `{name}` and
`%(name)s` placeholders of messages. `loose()` names what is left with a plain space, for the tests.

`./scripts/typeset-french` applies it to every French text of the repository (rolloutlab.course.typeset);
tests/test_typography.py fails when one is not typeset.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"  # before `:`, after `«`, before `»`
NNBSP = "\u202f"  # narrow: before `;`, `?`, `!`

# Stand-ins for what must not change while the rest is typeset: private-use characters, never in the course's text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_TOKEN = re.compile(f"{_OPEN}(\\d+){_CLOSE}")

# A Markdown code fence (any indentation: fences also sit inside list items) and a list item's marker.
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d+[.)])[ \t]+\S")
_INDENTED = re.compile(r"(?: {4}|\t)")
# What is code or a name inside prose: a code span (a run of backticks to the same run, within one paragraph),
# a URL, a `{name!r:>8}` placeholder, a printf `%(name)s` / `%s` one (no space among its flags: "9 % d'arrêts").
_SPANS = (
    re.compile(r"(?<!`)(`+)(?:(?!\n[ \t]*\n)[^`]|(?!\1)`+)+?\1(?!`)"),
    re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s<>\"'`)\]]*"),
    re.compile(r"\{[^{}\s]*\}"),
    re.compile(r"%(?:\([^)\s]*\))?[#0+-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"),
)

_SPACES = f"[ {NBSP}{NNBSP}]+"  # plain ones, and non-breaking ones of the wrong kind, are set again
# A mark is French punctuation when a space comes before it and a space, the end, a closing quote or bracket, the
# end of an emphasis or another mark comes after it: `!=`, `!kubectl`, vim's `:wq`, a table's `:---` are left.
_AFTER = r"(?=[\s»\"\u201d\u2019')\]*_!?]|\Z)"  # \u201d, \u2019: closing quotes


def sentence_start(text: str, /) -> str:
    """`text` as it starts a sentence: its first letter a capital, the rest as written (messages are written to
    follow a colon, in lowercase)."""
    return text[:1].upper() + text[1:]


def french(text: str, /, *, blocks: bool = True) -> str:
    """`text` with each space before `: ; ? !` and inside « » made the non-breaking one French asks for; already
    typeset text comes back unchanged.

    `blocks`: the text is Markdown (a page, a cell), so its fenced and indented code blocks are skipped and its
    lines' leading spaces are indentation. False for a one-line message, where a leading space before a mark
    (the catalogue's `" : "` separator) is typeset too."""
    masked, saved = _mask(text, blocks=blocks)
    start = "" if blocks else r"|\A"  # the spaces follow a character, never a line break or a tab
    masked = re.sub(f"(?:(?<=\\S){start}){_SPACES}:{_AFTER}", f"{NBSP}:", masked)
    masked = re.sub(f"(?:(?<=\\S){start}){_SPACES}([;?!]){_AFTER}", f"{NNBSP}\\1", masked)
    masked = re.sub(f"«{_SPACES}(?=\\S)", f"«{NBSP}", masked)
    masked = re.sub(f"(?<=\\S){_SPACES}»", f"{NBSP}»", masked)
    return _unmask(masked, saved)


def loose(text: str, /, *, blocks: bool = True) -> list[str]:
    """Each place in `text`, outside code, where a plain space still comes before `: ; ? !` (followed by a space or
    the end) or inside « », with a few characters around it: what a reader would see break there."""
    masked, saved = _mask(text, blocks=blocks)
    found = re.finditer(r"(?<=\S) +[:;?!](?=\s|\Z)|« +(?=\S)|(?<=\S) +»", masked)
    return [_unmask(masked[max(m.start() - 20, 0) : m.end() + 20], saved) for m in found]


def _mask(text: str, *, blocks: bool) -> tuple[str, list[str]]:
    """`text` with its code replaced by numbered stand-ins, and what they stand for."""
    if _OPEN in text or _CLOSE in text:
        raise ValueError("the text holds U+E000 or U+E001, which typesetting uses for its own marks")
    saved: list[str] = []

    def keep(kept: str) -> str:
        saved.append(kept)
        return f"{_OPEN}{len(saved) - 1}{_CLOSE}"

    if blocks:
        text = "".join(keep(line) if code else line for line, code in _code_lines(text))
    for span in _SPANS:
        text = span.sub(lambda match: keep(match.group(0)), text)
    return text, saved


def _unmask(text: str, saved: list[str]) -> str:
    while _TOKEN.search(text):  # a URL may hold a code span's stand-in: put back until none is left
        text = _TOKEN.sub(lambda match: saved[int(match.group(1))], text)
    return text


def _code_lines(text: str) -> list[tuple[str, bool]]:
    """`text` cut in pieces, each a line's content or its line break, each marked True when it is code: the lines
    of a fenced block (fences included), and those of an indented block (4 spaces or a tab, after a blank line,
    not inside a list, where such a line continues the item)."""
    pieces: list[tuple[str, bool]] = []
    fence = ""  # the open fence's backticks or tildes
    indented = in_list = False
    blank = True  # the line before was blank (or there was none)
    for line in text.splitlines(keepends=True):
        content = line.rstrip("\r\n")
        opening = _FENCE.match(content)
        if fence:
            code = True
            closing = re.fullmatch(f"[ \\t]*{fence[0]}{{{len(fence)},}}[ \\t]*", content)
            fence = "" if closing else fence
        elif opening:
            code, fence, indented = True, opening.group(1), False
        elif not content.strip():
            code = False
        elif _INDENTED.match(content) and (indented or (blank and not in_list)):
            code = indented = True
        else:
            code = indented = False
            if _LIST_ITEM.match(content):
                in_list = True
            elif blank and not content[:1].isspace():
                in_list = False  # a paragraph after a blank line ends the list
        blank = not content.strip()
        pieces += [(content, code), (line[len(content) :], False)]
    return pieces
