"""French typeset as French: a no-break space (U+00A0) before `:` and inside « », a narrow one (U+202F) before
`;`, `?` and `!`, and code left as it is; every French text of the repository is stored so."""

import pytest

from rolloutlab import i18n
from rolloutlab.course import site, typeset
from rolloutlab.typography import NBSP, NNBSP, french, loose

FIX = "run ./scripts/typeset-french (after writing or merging French), then commit what it changed"


def test_each_mark_gets_its_own_space():
    """`:` and « » take a no-break space, `;` `?` `!` a narrow one; runs of spaces become one."""
    assert french("Prêt ? Oui ! Non ; voici : « ça »") == (
        f"Prêt{NNBSP}? Oui{NNBSP}! Non{NNBSP}; voici{NBSP}: «{NBSP}ça{NBSP}»"
    )
    assert french("voici   :  la suite") == f"voici{NBSP}:  la suite"


def test_a_mark_before_a_closing_character_is_typeset():
    """A mark followed by `)`, the end of an emphasis, a closing quote or another mark is French punctuation."""
    assert french("(Bloqué ?)") == f"(Bloqué{NNBSP}?)"
    assert french("**Attention :** lisez") == f"**Attention{NBSP}:** lisez"
    assert french("« Encore ! »") == f"«{NBSP}Encore{NNBSP}!{NBSP}»"
    assert french("Vraiment ?!") == f"Vraiment{NNBSP}?!"
    assert french("la fin :") == f"la fin{NBSP}:"


def test_a_colon_ending_a_line_before_a_list_is_typeset():
    """The `:` that ends the line introducing a Markdown list takes its no-break space like any other."""
    assert french("Trois choses :\n\n- une ;\n- deux.") == f"Trois choses{NBSP}:\n\n- une{NNBSP};\n- deux."


def test_typeset_text_comes_back_unchanged():
    """french() is idempotent, and a wrong no-break space (U+00A0 before `;`) is set to the right one."""
    samples = ["Prêt ? Oui ! Non ; voici : « ça »", "`a : b` puis : c", "Lancez :\n\n    !kubectl get pods\n"]
    for text in samples:
        assert french(french(text)) == french(text)
    assert french(f"un{NBSP}; deux{NNBSP}: trois") == f"un{NNBSP}; deux{NBSP}: trois"


def test_code_spans_and_code_blocks_are_left_alone():
    """Inline code, fenced blocks (``` and ~~~, also inside a list) and indented blocks keep their spaces."""
    assert french("lancez `a : b ; c ?` : voilà") == f"lancez `a : b ; c ?`{NBSP}: voilà"
    assert french("``un ` : deux`` ; fin") == f"``un ` : deux``{NNBSP}; fin"
    fenced = "Ainsi :\n\n```bash\necho a ; echo b  # ou : c\n```\n\n~~~\nx ? y\n~~~\n"
    assert french(fenced) == fenced.replace("Ainsi :", f"Ainsi{NBSP}:")
    in_list = '- étape :\n\n  ```toml\n  a = "b : c"\n  ```\n'
    assert french(in_list) == in_list.replace("étape :", f"étape{NBSP}:")
    indented = "Tapez :\n\n    !echo x ; docker login : ici\n\nPuis : la suite"
    assert french(indented) == f"Tapez{NBSP}:\n\n    !echo x ; docker login : ici\n\nPuis{NBSP}: la suite"


def test_an_indented_line_inside_a_list_is_prose():
    """Four spaces after a blank line inside a list item continue the item: that paragraph is typeset."""
    text = "- un point\n\n    sa suite : encore\n"
    assert french(text) == text.replace("suite :", f"suite{NBSP}:")


def test_urls_and_colons_without_a_space_are_left_alone():
    """`http://`, `localhost:5001`, `a:b`, a URL's `?` and `!` are not French punctuation: nothing changes."""
    for text in ("http://127.0.0.1:8000/?q=a!b", "localhost:5001/first-app-k8s:1.0", "a:b", "<https://x.y/a?b>"):
        assert french(text) == text
    assert french("le site : http://127.0.0.1:8000/?q=1") == f"le site{NBSP}: http://127.0.0.1:8000/?q=1"


def test_marks_that_are_code_outside_backticks_are_left_alone():
    """`!=`, `!kubectl` at a line's start, vim's `:wq`, a table's `:---` and an image's `![...]` stay as typed."""
    for text in ("si a != b", "!kubectl get pods", "x ?= y", "| --- | :--- | ---: |", "voyez ![figure](a.png)"):
        assert french(text) == text
    assert french("sortez avec « :wq »") == f"sortez avec «{NBSP}:wq{NBSP}»"
    assert french("  : indenté", blocks=True) == "  : indenté"


def test_placeholders_of_messages_are_kept_whole():
    """A `{name!r:>8}` or `%(name)s` placeholder is unchanged; the spaces around it are typeset."""
    assert french("{count:>3} pods : {names!r}", blocks=False) == f"{{count:>3}} pods{NBSP}: {{names!r}}"
    assert french("%(prog)s : erreur : %s", blocks=False) == f"%(prog)s{NBSP}: erreur{NBSP}: %s"
    assert french("a dit « {line} »", blocks=False) == f"a dit «{NBSP}{{line}}{NBSP}»"


def test_a_message_may_start_with_its_space():
    """The catalogue's separators (" : ", " ; ") are typeset; in Markdown a line's leading spaces are indentation."""
    assert french(" : ", blocks=False) == f"{NBSP}: "
    assert french(" ; ", blocks=False) == f"{NNBSP}; "
    assert french(" : ") == " : "


def test_the_stand_ins_cannot_clash_with_the_text():
    """A text holding the private-use characters typesetting uses is refused, not silently garbled."""
    with pytest.raises(ValueError, match="U\\+E000"):
        french("a\ue000 : b")


def test_loose_names_plain_spaces_outside_code_only():
    """loose() finds a plain space before a mark or inside « », not one in code, and nothing in typeset text."""
    assert len(loose("un ; deux : « trois »")) == 4
    assert loose("`a : b`\n\n```\nc ; d\n```\n") == []
    assert loose(french("un ; deux : « trois ? »")) == []


def test_every_french_text_is_typeset():
    """Each catalogue translation, French lab Markdown cell and docs/fr page is stored as french() sets it."""
    texts = list(typeset.french_texts())
    assert sum(".po:" in t.where for t in texts) > 300
    assert sum(".ipynb:" in t.where for t in texts) > 50
    assert sum(t.where.endswith(".md") for t in texts) >= 10
    wrong = [t.where for t in texts if french(t.text, blocks=t.blocks) != t.text]
    assert not wrong, f"{len(wrong)} French texts not typeset ({FIX}): {wrong[:8]}"


def test_no_plain_space_before_a_mark_in_the_catalogue_or_the_labs():
    """Outside code, no French message or lab cell has a plain space before `: ; ? !` or inside « »."""
    found = [
        f"{t.where}: {excerpt!r}"
        for t in typeset.french_texts()
        if ".po:" in t.where or ".ipynb:" in t.where
        for excerpt in loose(t.text, blocks=t.blocks)
    ]
    assert not found, f"plain spaces a line may break at ({FIX}): {found[:8]}"


def test_french_output_is_typeset():
    """A French message as the code shows it carries the no-break spaces, and the site's report keeps them."""
    with i18n.speaking("fr"):
        assert i18n._(": ") == f"{NBSP}: "
        report = {
            "environment": {},
            "wall_seconds": 1.0,
            "jobs": 1,
            "labs": [{"lab": "fr/02-deploy", "ok": True, "seconds": 1.0, "expected_seconds": None,
                      "proofs": [{"step": "02.3", "seen_failing": True, "message": f"ÉCHEC 02.3{NBSP}: non"}]}],
        }  # fmt: skip
        page = site.report_page(report, lang="fr")
    assert f"- `02.3`{NBSP}: vue en échec{NBSP}: ÉCHEC 02.3{NBSP}: non" in page
