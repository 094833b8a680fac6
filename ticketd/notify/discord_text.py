"""Text as Discord takes it: lengths in UTF-16 code units (what its JavaScript counts),
cuts that end on a whole character, markdown shown literally, and no mass mention."""

import re
import unicodedata

ELLIPSIS = "…"
ZWJ = "\u200d"
ZERO_WIDTH_SPACE = "\u200b"
# Discord shows a backslash before any punctuation as that punctuation alone.
_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]<:-])")
_MASS_MENTION = re.compile(r"@(everyone|here)")


def units(text: str) -> int:
    """Length as Discord counts it: characters past U+FFFF take two UTF-16 units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def clean(text: str) -> str:
    """Lone surrogates (possible in stored text; orjson refuses to encode them) become
    U+FFFD; @everyone and @here get a zero-width space so they can never ping."""
    whole = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _MASS_MENTION.sub(f"@{ZERO_WIDTH_SPACE}\\1", whole)


def literal(text: str) -> str:
    """Markdown characters escaped, so a name like `**bob**_` shows as typed."""
    return _MARKDOWN.sub(r"\\\1", text)


def shown(text: str) -> str:
    """Text from people or configuration, for a place where Discord renders markdown."""
    return literal(clean(text).strip())


def cut(text: str, limit: int) -> str:
    """At most `limit` UTF-16 units: text that is longer ends with "…" after the last
    whole grapheme that fits (a base character with its marks, joiners and selectors)."""
    if units(text) <= limit:
        return text
    end = _prefix_within(text, limit - units(ELLIPSIS))
    start_of_grapheme = _grapheme_start(text, end)
    # One grapheme longer than the limit (Zalgo) is still cut between code points.
    kept = text[: start_of_grapheme or end]
    return _without_dangling_escape(kept) + ELLIPSIS


def _prefix_within(text: str, budget: int) -> int:
    used = 0
    for index, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > budget:
            return index
    return len(text)


def _grapheme_start(text: str, end: int) -> int:
    while 0 < end < len(text) and (_extends(text[end]) or _inside_pair(text, end)):
        end -= 1
    return end


def _extends(ch: str) -> bool:
    """Whether `ch` belongs to the grapheme before it."""
    code = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or ch == ZWJ
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # skin tones
        or 0xE0020 <= code <= 0xE007F  # tag characters (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF  # more variation selectors
    )


def _inside_pair(text: str, end: int) -> bool:
    """Whether cutting before `end` splits a ZWJ sequence or a flag's two letters."""
    if text[end - 1] == ZWJ:
        return True
    if not (_regional(text[end]) and _regional(text[end - 1])):
        return False
    run = 0
    while end - run - 1 >= 0 and _regional(text[end - run - 1]):
        run += 1
    return run % 2 == 1


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _without_dangling_escape(text: str) -> str:
    trailing = len(text) - len(text.rstrip("\\"))
    return text[:-1] if trailing % 2 else text
