"""Notes and public comments posted at most once per key, against the Zammad emulator."""

from __future__ import annotations

import pytest

from emulators.server import RunningEmulator
from integrations.zammad import ZammadClient, marker_text


def test_a_keyed_note_is_posted_once(zammad: RunningEmulator, zammad_client: ZammadClient) -> None:
    before = len(zammad_client.articles(1))
    first = zammad_client.post_note(1, "<p>Informe</p>", key="DIBA-2026-0007/requested/0")
    again = zammad_client.post_note(1, "<p>Informe</p>", key="DIBA-2026-0007/requested/0")
    articles = zammad_client.articles(1)
    assert len(articles) == before + 1
    assert again.id == first.id
    assert articles[-1].internal is True
    assert "deploybot ref DIBA-2026-0007/requested/0" in articles[-1].body


def test_the_marker_survives_zammad_dropping_html_comments(
    zammad: RunningEmulator, zammad_client: ZammadClient
) -> None:
    posted = zammad_client.post_note(1, "<p>Hola</p><!-- hidden -->", key="K-1/x/0")
    assert "hidden" not in posted.body  # the emulator sanitises like Zammad does
    assert zammad_client.find_marked_article(1, "K-1/x/0") is not None


def test_different_keys_and_tickets_are_different_notes(zammad_client: ZammadClient) -> None:
    before_1, before_2 = len(zammad_client.articles(1)), len(zammad_client.articles(2))
    zammad_client.post_note(1, "<p>a</p>", key="D-1/scheduled/0")
    zammad_client.post_note(1, "<p>b</p>", key="D-1/scheduled/1")
    zammad_client.post_note(2, "<p>a</p>", key="D-1/scheduled/0")
    assert len(zammad_client.articles(1)) == before_1 + 2
    assert len(zammad_client.articles(2)) == before_2 + 1


def test_a_public_comment_is_visible_to_the_customer_and_posted_once(
    zammad_client: ZammadClient,
) -> None:
    comment = "<p>Desplegat a producció el dimarts 1 de desembre de 2026 a les 09:52</p>"
    first = zammad_client.post_public_comment(1, comment, key="DIBA-2026-0007/completed/1")
    second = zammad_client.post_public_comment(1, comment, key="DIBA-2026-0007/completed/1")
    assert first.id == second.id
    assert first.internal is False
    assert "deploybot ref" not in first.body  # customers never see deploybot's markers
    assert [a.body for a in zammad_client.articles(1)].count(first.body) == 1


def test_a_key_with_markup_characters_is_refused() -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        marker_text("<script>")
