"""The sentence that tells a customer how to reach support: write, call, or open a ticket on
the portal — whichever the provider has — as one CLDR list in the customer's language."""

from __future__ import annotations

from collections.abc import Sequence

import markupsafe

from bot.config.models import Provider
from bot.domain.texts import say
from bot.domain.texts.calendar import list_words


def support_sentence(
    provider: Provider, language: str, *, html: bool = False, first: Sequence[str] = ()
) -> str:
    """ "Para cualquier duda …, escriban a soporte@…, llámennos al … o abran un ticket en el
    portal de soporte: https://…" (in HTML: escaped, the portal a link); ``first``, ways the
    caller knows ("respondan al ticket"), said before the provider's; "reply to this email"
    when there is no way at all."""

    def value(text: str, link: bool = False) -> str:
        if not html:
            return text
        escaped = markupsafe.escape(text)
        return f'<a href="{escaped}">{escaped}</a>' if link else str(escaped)

    ways = [value(way) for way in first]
    if provider.support_team:
        ways.append(say(language, "support_write", address=value(provider.support_team[0].email)))
    if provider.support_phone:
        ways.append(say(language, "support_call", phone=value(provider.support_phone)))
    if provider.support_portal:
        ways.append(say(language, "support_portal", portal=value(provider.support_portal, True)))
    what = list_words(language, ways, alternatives=True) if ways else say(language, "support_reply")
    sentence = say(language, "support_lead", what=what)
    return markupsafe.Markup(sentence) if html else sentence
