"""Message bodies as HTML and as plain text. HTML from callers is sanitised with nh3
(Rust's ammonia): an allow-list of tags and attributes, so scripts, event handlers,
styles and `javascript:` URLs never reach storage."""

import html
import re
from html.parser import HTMLParser

import nh3

_ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRIBUTES["*"] = {"class"}  # classes survive sanitising: styled messages keep their look
_CLEANER = nh3.Cleaner(attributes=_ATTRIBUTES)

_BLOCKS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)


def sanitise(markup: str) -> str:
    return _CLEANER.clean(markup)


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def to_text(markup: str) -> str:
    """Readable plain text of (sanitised) HTML: block elements become line breaks."""
    collector = _TextCollector()
    collector.feed(markup)
    collector.close()
    lines = (
        re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in "".join(collector.parts).split("\n")
    )
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def from_text(text: str) -> str:
    """HTML showing `text` as written: escaped, line breaks kept."""
    return html.escape(text).replace("\r\n", "\n").replace("\n", "<br>")
