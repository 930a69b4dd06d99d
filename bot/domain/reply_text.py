"""The words a customer wrote in a reply, without what the reply quotes.

Mail clients quote the message they answer — here the proposals, full of days and times — so a
reading of the whole body reads the quote. Dropped: lines starting with ``>``, and everything
from an attribution line (*"El … escribió:"*, *"On … wrote:"*, *"… va escriure:"*), an Outlook
separator (*"-----Original Message-----"*, *"-----Mensaje original-----"*) or header block
(*"De: … Enviado el: …"*, *"From: … Sent: …"*), and in HTML everything from a ``<blockquote>``
or a quote container (Gmail's ``gmail_quote``, Yahoo's ``yahoo_quoted``, Thunderbird's
``moz-cite-prefix``, Outlook's ``divRplyFwdMsg``). Zammad stores HTML bodies sanitised
(``lib/html_sanitizer.rb``: ``blockquote`` and ``yahoo_quoted`` are kept, other classes and ids
are not), so the line rules carry the weight and the containers help with bodies read whole.

At most :data:`LIMIT` characters are kept: reading dates costs time per character, and a reply
is read while deploybot decides. Every step is linear in the size of the body.
"""

from __future__ import annotations

import html
import re

from bot.domain.plain import plain

#: How much of a reply's own words is read: far more than anyone writes to choose a day.
LIMIT = 4000

_QUOTE_MARK = re.compile(
    r"<blockquote\b|gmail_quote|yahoo_quoted|moz-cite-prefix|divRplyFwdMsg|appendonsend",
    re.IGNORECASE,
)
_HIDDEN = re.compile(r"<(head|style|script|title)\b|<!--", re.IGNORECASE)
_BLOCK = re.compile(
    r"<(?:br|hr|/?p|/?div|/?li|/?tr|/?h\d|/?table|/?ul|/?ol|/?pre)\b[^<>]*>", re.IGNORECASE
)
_TAG = re.compile(r"<[^<>]*>")
_VERB = r"(?:wrote|escribi[oó]|va escriure|ha escrit|escrigu[eé])"
_ATTRIBUTION = re.compile(rf"\b{_VERB}\s*:\s*$", re.IGNORECASE)
#: Attribution lines are short; a long line is never searched for one.
_ATTRIBUTION_MAX = 400
_WRAPPED_START = re.compile(r"^(?:on|el)\b.*\d.*[^.!?]$", re.IGNORECASE)
_SEPARATOR = re.compile(
    r"^-{2,}\s*(?:original message|mensaje original|missatge original|forwarded message"
    r"|mensaje reenviado|missatge reenviat)\s*-{2,}$|^_{10,}$",
    re.IGNORECASE,
)
_FROM = re.compile(r"^\*?(?:from|de)\s*:", re.IGNORECASE)
_SENT = re.compile(r"^\*?(?:sent|date|enviado(?: el)?|enviat|fecha|data)\s*:", re.IGNORECASE)


def own_words(body: str, *, html_body: bool = False) -> str:
    """What the customer wrote in a reply: ``body`` (HTML when ``html_body``) as text, without
    what it quotes, at most :data:`LIMIT` characters."""
    text = _html_text(body) if html_body else body
    return _unquoted(plain(text))


def _html_text(body: str) -> str:
    """The visible text of an HTML body before its first quote, a line per block."""
    before = body[: _quote_start(body)]
    text = _TAG.sub("", _BLOCK.sub("\n", _visible(before)))
    return html.unescape(text).replace("\xa0", " ")


def _quote_start(body: str) -> int:
    """Where the first quote of an HTML body starts: the tag holding a quote mark (a mark in
    the text, outside any tag, is someone's words)."""
    for mark in _QUOTE_MARK.finditer(body):
        if mark.group().startswith("<"):
            return mark.start()
        tag = body.rfind("<", 0, mark.start())
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
        close = "-->" if name is None else f"</{name}"
        end = re.compile(re.escape(close), re.IGNORECASE).search(body, found.end())
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
    lines = text.split("\n")
    kept: list[str] = []
    size = 0
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith(">"):
            continue
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
