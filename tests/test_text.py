"""Untrusted text becomes safe plain text: no escape sequence survives ingest."""

from __future__ import annotations

import pytest

from sfogo.inbox.text import REPLACEMENT, excerpt, html_to_text, sanitize

HOSTILE = [
    ("\x1b]0;pwned\x07", "window title change (OSC 0)"),
    ("\x1b]52;c;ZWNobyBvd25lZA==\x07", "clipboard write (OSC 52)"),
    ("\x1b[2J\x1b[H", "clear screen"),
    ("\x1b[31mred\x1b[0m", "colour (CSI)"),
    ("\x9b31m", "8-bit CSI (C1)"),
    ("evil\u202egnp.exe", "right-to-left override"),
    ("\u2066isolate\u2069", "bidi isolate"),
    ("bell\x07 and null\x00 and del\x7f", "other controls"),
]


@pytest.mark.parametrize("payload, what", HOSTILE, ids=[w for _, w in HOSTILE])
def test_no_control_character_survives(payload, what):
    clean = sanitize(payload)
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in clean)
    assert not any(0x7F <= ord(ch) <= 0x9F for ch in clean)
    assert not any(ch in clean for ch in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert REPLACEMENT in clean


def test_the_visible_text_is_kept_and_each_control_becomes_one_replacement():
    assert sanitize("\x1b[31mrosso\x1b[0m") == f"{REPLACEMENT}[31mrosso{REPLACEMENT}[0m"
    assert sanitize("Caffè ☕ and 日本語 and emoji 🎉") == "Caffè ☕ and 日本語 and emoji 🎉"


def test_markup_is_not_a_control_character_and_stays_literal():
    # Markup is harmless as stored text; the screens render it literally.
    assert sanitize("[@click=app.quit]click me[/] [/") == "[@click=app.quit]click me[/] [/"


def test_newlines_and_tabs_survive_in_bodies_and_fold_in_names():
    assert sanitize("line one\r\nline two\rthree\tcol") == "line one\nline two\nthree\tcol"
    assert sanitize("Mario\nRossi\tjr", single_line=True) == "Mario Rossi jr"


def test_anything_becomes_text():
    assert sanitize(None) == ""
    assert sanitize(42) == "42"


def test_html_becomes_plain_text_with_its_breaks():
    html = (
        "<p>Ciao <b>Mario</b> &amp; Luigi</p><p>line one<br>line two</p>"
        "<ul><li>first</li><li>second</li></ul><div>a</div><div>b</div>"
    )
    assert html_to_text(html) == "Ciao Mario & Luigi\n\nline one\nline two\n\nfirst\nsecond\n\na\nb"


def test_a_mastodon_status_reads_naturally():
    html = (
        '<p>Thanks <span class="h-card"><a href="https://x.test/@anna" class="u-url mention">'
        '@<span>anna</span></a></span>!</p><p>See you <a href="https://x.test">soon</a></p>'
    )
    assert html_to_text(html) == "Thanks @anna!\n\nSee you soon"


def test_scripts_styles_and_titles_are_not_text():
    html = "<title>t</title><style>p{}</style><script>alert(1)</script><p>visible</p>"
    assert html_to_text(html) == "visible"


def test_escapes_hidden_in_html_do_not_survive():
    # Raw control characters inside HTML, and the same ones written as character references.
    for html in (
        "<p>\x1b]0;pwned\x07hi</p>",
        "<p>&#x1b;]0;pwned&#7;hi</p>",
        "<p>&#27;[2Jhi</p>",
        "<p>&#x202e;gnp.exe</p>",
        "<p>&#155;31m</p>",
    ):
        text = html_to_text(html)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert not any(0x80 <= ord(ch) <= 0x9F for ch in text)


def test_broken_or_empty_html_is_fine():
    assert html_to_text(None) == ""
    assert html_to_text("") == ""
    assert html_to_text("<p>unclosed <b>bold") == "unclosed bold"
    assert html_to_text("a < b > c") == "a < b > c"


def test_excerpt_is_one_line_that_fits():
    assert excerpt("short", 10) == "short"
    assert excerpt("several\n  lines\tof   text", 40) == "several lines of text"
    cut = excerpt("a sentence that is far too long", 12)
    assert cut == "a sentence …" and len(cut) == 12


INVISIBLE = [
    ("\u200b", "zero-width space"),
    ("\u200c", "zero-width non-joiner"),
    ("\u200d", "zero-width joiner"),
    ("\u2060", "word joiner"),
    ("\ufeff", "zero-width no-break space"),
    ("\u200e", "left-to-right mark"),
    ("\u200f", "right-to-left mark"),
    ("\u061c", "Arabic letter mark"),
]


@pytest.mark.parametrize("mark, what", INVISIBLE, ids=[w for _, w in INVISIBLE])
def test_an_author_name_cannot_hide_a_mark_that_makes_it_pose_as_another(mark, what):
    spoof = sanitize(f"Hotel{mark} Roma", single_line=True)
    assert spoof == f"Hotel{REPLACEMENT} Roma" != "Hotel Roma"
    assert sanitize(f"ann{mark}a") == f"ann{REPLACEMENT}a"


def test_line_and_paragraph_separators_become_the_newlines_everyone_reads_alike():
    assert sanitize("one\u2028two\u2029three") == "one\ntwo\n\nthree"
    assert sanitize("Mario\u2028Rossi\u2029jr", single_line=True) == "Mario Rossi  jr"


def test_joiners_doing_a_joiners_job_are_kept():
    # Persian writes words with a non-joiner; emoji sequences are glued by the joiner.
    persian = "می\u200cخواهم"
    family = "👨\u200d👩\u200d👧"
    flag = "🏳\ufe0f\u200d🌈"
    assert sanitize(persian) == persian
    assert sanitize(f"{family} {flag}", single_line=True) == f"{family} {flag}"
    # ... and nowhere else: between Latin letters, or an emoji and a letter.
    r = REPLACEMENT
    assert sanitize("a\u200db \u200cx 🎉\u200dz") == f"a{r}b {r}x 🎉{r}z"
