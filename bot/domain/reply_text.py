"""The words a customer wrote in a reply, without what the reply quotes.

Mail clients quote the message they answer — here the proposals, full of days and times — so a
reading of the whole body reads the quote. Dropped: lines starting with ``>``, and everything
from an attribution line (*"El … escribió:"*, *"On … wrote:"*, *"… va escriure:"*), an Outlook
separator (*"-----Original Message-----"*, *"-----Mensaje original-----"*) or header block
(*"De: … Enviado el: …"*, *"From: … Sent: …"*) or a signature (``-- ``); in HTML, everything
from a ``<blockquote>`` or a quote container (Gmail's ``gmail_quote``, Yahoo's
``yahoo_quoted``, Thunderbird's ``moz-cite-prefix``, Outlook's ``divRplyFwdMsg``). Zammad
stores HTML bodies sanitised (``lib/html_sanitizer.rb``: ``blockquote`` and ``yahoo_quoted``
are kept, other classes and ids are not), so the line rules carry the weight and the
containers help with bodies read whole.

At most :data:`LIMIT` characters are kept: reading dates costs time per character, and a reply
is read while deploybot decides. Every step is linear in the size of the body.
"""

from __future__ import annotations

import html
import re

from bot.domain.plain import plain

#: How much of a reply's own words is read: far more than anyone writes to choose a day.
LIMIT = 4000
#: How much of an HTML body is looked at (the words come first, and an Outlook head of styles
#: runs to tens of KB), and how much of what it shows.
HTML_LIMIT = 32 * LIMIT
_SHOWN_LIMIT = 16 * LIMIT
#: How far a mark of a quote container is looked back from for the tag that holds it.
_TAG_REACH = 1000

_QUOTE_MARK = re.compile(
    r"<blockquote\b|gmail_quote|yahoo_quoted|moz-cite-prefix|divRplyFwdMsg|appendonsend",
    re.IGNORECASE,
)
_HIDDEN = re.compile(r"<(head|style|script|title)\b|<!--", re.IGNORECASE)
_HIDDEN_END = {
    name: re.compile(re.escape(close), re.IGNORECASE)
    for name, close in [
        (None, "-->"),
        *((n, f"</{n}") for n in ("head", "style", "script", "title")),
    ]
}
_BLOCK = re.compile(
    r"<(?:br|hr|/?p|/?div|/?li|/?tr|/?h\d|/?table|/?ul|/?ol|/?pre)\b[^<>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^<>]*>")
_OWN_LINE = re.compile(r"^(?![ \t]*>)[^\n]*", re.MULTILINE)
_VERB = r"(?:wrote|escribi[oó]|va escriure|ha escrit|escrigu[eé])"
_ATTRIBUTION = re.compile(rf"\b{_VERB}\s*:\s*$", re.IGNORECASE)
#: Attribution lines are short; a long line is never searched for one.
_ATTRIBUTION_MAX = 400
_WRAPPED_START = re.compile(r"^(?:on|el)\b.*\d.*[^.!?]$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^-{2,}\s*(?:original message|mensaje original|missatge original|forwarded message"
    r"|mensaje reenviado|missatge reenviat)\s*-{2,}$|^_{10,}$|^--$",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\*?(?:from|de)\s*:", re.IGNORECASE)
_SENT = re.compile(r"^\*?(?:sent|date|enviado(?: el)?|enviat|fecha|data)\s*:", re.IGNORECASE)


def own_words(body: str, *, html_body: bool = False) -> str:
    """What the customer wrote in a reply: ``body`` (HTML when ``html_body``) as text, without
    what it quotes, at most :data:`LIMIT` characters."""
    text = _html_text(body[:HTML_LIMIT]) if html_body else body
    return _unquoted(plain(text))


def _html_text(body: str) -> str:
    """The visible text of an HTML body before its first quote, a line per block."""
    before = body[: _quote_start(body)]
    text = _TAG.sub("", _BLOCK.sub("\n", _visible(before)[:_SHOWN_LIMIT]))
    return html.unescape(text).replace("\xa0", " ")


def _quote_start(body: str) -> int:
    """Where the first quote of an HTML body starts: the tag holding a quote mark (a mark in
    the text, outside any tag, is someone's words)."""
    for mark in _QUOTE_MARK.finditer(body):
        if mark.group().startswith("<"):
            return mark.start()
        tag = body.rfind("<", max(0, mark.start() - _TAG_REACH), mark.start())
        if tag >= 0 and body.rfind(">", tag, mark.start()) < 0:
            return tag
    return len(body)


def _visible(body: str) -> str:
    """An HTML body without its head, styles, scripts and comments (an element left open
    hides the rest, as in a browser)."""
    parts, position = [], 0
    while found := _HIDDEN.search(body, position):
        parts.append(body[position : found.start()])
        name = found.group(1)
        end = _HIDDEN_END[name and name.lower()].search(body, found.end())
        if end is None:
            return "".join(parts)
        position = end.end() if name is None else body.find(">", end.end()) + 1
        if position == 0:
            return "".join(parts)
    parts.append(body[position:])
    return "".join(parts)


def _unquoted(text: str) -> str:
    """The lines of ``text`` before its first attribution or forwarded header, without the
    lines it quotes with ``>``, up to :data:`LIMIT` characters."""
    lines = _own_lines(text)
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if _starts_quote(stripped, lines, index):
            # "El jue, 26 nov 2026 a las 10:00, Soffid (<" wrapped before "…>) escribió:"
            if kept and _wrapped_start(kept[-1].strip()) and not _starts_line(stripped):
                kept.pop()
            break
        kept.append(line)
        size += len(line) + 1
        if size > LIMIT:
            break
    return "\n".join(kept).strip()[:LIMIT]


def _own_lines(text: str) -> list[str]:
    """The lines of ``text`` not quoted with ``>``, up to twice the limit (the lines past it
    tell a header block)."""
    lines, size = [], 0
    for line in _OWN_LINE.finditer(text):
        lines.append(line.group())
        size += len(line.group()) + 1
        if size > 2 * LIMIT:
            break
    return lines


def _starts_quote(line: str, lines: list[str], index: int) -> bool:
    """Whether ``line`` (the ``index``-th) opens what a reply quotes or forwards."""
    if len(line) > _ATTRIBUTION_MAX:
        return False
    if _SEPARATOR.match(line) or _ATTRIBUTION.search(line):
        return True
    if not _FROM.match(line):
        return False
    following = [s for s in (n.strip() for n in lines[index + 1 : index + 8]) if s][:3]
    return any(_SENT.match(s) for s in following)


def _wrapped_start(line: str) -> bool:
    return len(line) <= _ATTRIBUTION_MAX and bool(_WRAPPED_START.match(line))


def _starts_line(line: str) -> bool:
    return bool(re.match(r"(?:on|el)\b", line, re.IGNORECASE))
