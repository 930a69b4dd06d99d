"""Email: composed from a deployment, delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import dataclasses
import ssl
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.smtp import AuthResult, LoginPassword

from bot.app.outbox.executors import message_for
from bot.config.models import Config
from bot.domain.effects import Email
from bot.domain.model import State
from bot.domain.notifications import (
    calendar_event,
    compose_email,
    message_id,
    recipients_for,
)
from bot.domain.rendering import Renderer
from integrations.mail import (
    DirectoryMailer,
    MailError,
    MailUnavailableError,
    SmtpMailer,
    SmtpSettings,
    build_message,
)
from tests.factories import at, customer_data, make_config, make_deployment, started
from tests.servers import free_port, smtp_sink

NOW = at("2026-12-01 09:31")


def delegated_config(**email: Any) -> Config:
    customer = customer_data(
        managed_by="partner_delegated",
        partner={"name": "Integra", "contacts": ["Laura Gil <lgil@integra.example>"]},
        contacts={
            "managers": ["Núria Puig <npuig@diba.example>"],
            "helpdesk": ["CAU <cau@diba.example>"],
        },
    )
    config = make_config([customer], email_domain="soffid.example")
    if email:
        return config.model_copy(update={"email": config.email.model_validate(email)})
    return config


def outgoing(kind: str = "start", config: Config | None = None, **overrides: Any) -> Email:
    return compose_email(
        kind,  # type: ignore[arg-type]
        started(make_deployment(**overrides), "2026-12-01 09:31"),
        config or delegated_config(),
        Renderer(),
        now=NOW,
    )


def plain(settings_port: int, **overrides: Any) -> SmtpMailer:
    options: dict[str, Any] = {"host": "127.0.0.1", "port": settings_port, "starttls": False}
    options.update(overrides)
    return SmtpMailer(SmtpSettings(**options))


def test_start_email_reaches_the_smtp_server_with_both_parts() -> None:
    email = outgoing("start")
    with smtp_sink() as sink:
        assert plain(sink.port).send(build_message(email, date=NOW))
    [received] = sink.received
    message = received.message
    assert message["Subject"] == "[DIBA-2026-0007] Inicio del despliegue a producción de DIBA"
    assert message["Message-ID"] == "<DIBA-2026-0007.start.0@soffid.example>"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Comenzamos ahora el despliegue a producción" in text.get_content()
    assert "<li><strong>ES-7412280</strong>" in html.get_content()
    assert sorted(received.rcpt_tos) == sorted(
        ["npuig@diba.example", "cau@diba.example", "lgil@integra.example",
         "marta@soffid.example", "soporte@soffid.example"]
    )  # fmt: skip


def test_partner_of_a_delegated_customer_receives_the_emails() -> None:
    to, cc = recipients_for("start", make_deployment(), delegated_config())
    assert "Laura Gil <lgil@integra.example>" in to
    assert cc == ("Marta Vidal <marta@soffid.example>", "Soporte <soporte@soffid.example>")


def test_a_customer_run_by_us_has_no_partner_in_copy() -> None:
    config = make_config(
        [customer_data(partner={"name": "Integra", "contacts": ["ops@integra.example"]})]
    )
    to, cc = recipients_for("end", make_deployment(), config)
    assert not any("integra" in address for address in to + cc)


def test_recipients_per_template_come_from_the_configuration() -> None:
    config = delegated_config(
        recipients={"start": {"to": ["customer_helpdesk"], "cc": ["support_team"]}}
    )
    assert recipients_for("start", make_deployment(), config) == (
        ("CAU <cau@diba.example>",),
        ("Soporte <soporte@soffid.example>",),
    )
    # Kinds not configured keep their defaults.
    to, _ = recipients_for("end", make_deployment(), config)
    assert "Núria Puig <npuig@diba.example>" in to


def test_an_address_in_two_roles_is_sent_once() -> None:
    customer = customer_data(contacts={"managers": ["soporte@soffid.example"]})
    to, cc = recipients_for("start", make_deployment(), make_config([customer]))
    assert to == ("soporte@soffid.example",)
    assert cc == ("Marta Vidal <marta@soffid.example>",)


def test_email_only_requesters_receive_the_notices_in_their_thread() -> None:
    deployment = started(
        make_deployment(
            tickets=(),
            email_requesters=("Jordi <jordi@diba.example>",),
            email_thread="<CAF0x123@mail.diba.example>",
        ),
        "2026-12-01 09:31",
        "2026-12-01 09:50",
    )
    email = compose_email("end", deployment, delegated_config(), Renderer(), now=NOW)
    assert "Jordi <jordi@diba.example>" in email.to
    assert email.in_reply_to == "<DIBA-2026-0007.start.0@soffid.example>"
    assert email.references == (
        "<CAF0x123@mail.diba.example>",
        "<DIBA-2026-0007.start.0@soffid.example>",
    )


@pytest.mark.parametrize("kind", ["delay", "end", "rollback"])
def test_follow_ups_reply_to_the_start_email(kind: str) -> None:
    with smtp_sink() as sink:
        plain(sink.port).send(build_message(outgoing(kind), date=NOW))
    message = sink.received[0].message
    start_id = "<DIBA-2026-0007.start.0@soffid.example>"
    assert message["In-Reply-To"] == start_id
    assert message["References"] == start_id


def test_message_ids_are_stable_per_deployment_kind_and_sequence() -> None:
    assert outgoing("start").message_id == outgoing("start").message_id
    assert message_id("DIBA-2026-0007", "delay", 1, "soffid.example") == (
        "<DIBA-2026-0007.delay.1@soffid.example>"
    )
    second_delay = compose_email(
        "delay", make_deployment(delays=2), delegated_config(), Renderer(), now=NOW
    )
    assert second_delay.message_id == "<DIBA-2026-0007.delay.1@soffid.example>"


def test_a_header_injection_attempt_never_becomes_a_header() -> None:
    email = outgoing("start")
    hostile = dataclasses.replace(email, subject="Hola\r\nBcc: evil@example.com")
    with pytest.raises(ValueError):
        build_message(hostile, date=NOW)
    # And through the templates, outside text is flattened onto the subject line.
    crafted = outgoing("start", environment="PRE\r\nBcc: evil@example.com")
    with smtp_sink() as sink:
        plain(sink.port).send(build_message(crafted, date=NOW))
    message = sink.received[0].message
    assert message["Bcc"] is None
    assert "evil@example.com" not in sink.received[0].rcpt_tos


def test_invitation_carries_a_calendar_request() -> None:
    config = delegated_config()
    deployment = make_deployment()
    event = calendar_event(deployment, config, Renderer(), now=NOW)
    email = compose_email("invitation", deployment, config, Renderer(), now=NOW, invitation=event)
    assert email.to == ("Marta Vidal <marta@soffid.example>", "Soporte <soporte@soffid.example>")
    with smtp_sink() as sink:
        plain(sink.port).send(message_for(email, now=NOW))
    [part] = [p for p in sink.received[0].message.iter_attachments()]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert b"UID:DIBA-2026-0007@soffid.example" in part.get_payload(decode=True)


def test_cancelled_deployment_invitation_is_a_cancel() -> None:
    config = delegated_config()
    deployment = make_deployment(state=State.CANCELLED, calendar_sequence=1)
    event = calendar_event(deployment, config, Renderer(), now=NOW)
    email = compose_email("invitation", deployment, config, Renderer(), now=NOW, invitation=event)
    [part] = list(message_for(email, now=NOW).iter_attachments())
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "CANCEL"
    content = part.get_payload(decode=True)
    assert b"METHOD:CANCEL" in content
    assert b"STATUS:CANCELLED" in content


def test_directory_transport_writes_each_message_once(tmp_path: Path) -> None:
    mailer = DirectoryMailer(tmp_path / "mail-out")
    message = build_message(outgoing("start"), date=NOW)
    assert mailer.send(message) is True
    assert mailer.send(message) is False
    [written] = list((tmp_path / "mail-out").iterdir())
    assert written.suffix == ".eml"
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<DIBA-2026-0007.start.0@soffid.example>"


def test_login_over_starttls(tmp_path: Path) -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    logins: list[tuple[bytes, bytes]] = []

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    options: dict[str, Any] = {"tls_context": server_context, "require_starttls": True,
               "authenticator": authenticator}  # fmt: skip
    with smtp_sink(**options) as sink:
        mailer = SmtpMailer(
            SmtpSettings(host="127.0.0.1", port=sink.port, starttls=True, username="deploybot",
                         password="s3cret", ssl_context=client_context)
        )  # fmt: skip
        mailer.send(build_message(outgoing("end"), date=NOW))
        wrong = SmtpMailer(
            SmtpSettings(host="127.0.0.1", port=sink.port, starttls=True, username="deploybot",
                         password="nope", ssl_context=client_context, timeout=5)
        )  # fmt: skip
        with pytest.raises(MailError, match="refused the login"):
            wrong.send(build_message(outgoing("end"), date=NOW))
    assert logins[0] == (b"deploybot", b"s3cret")
    assert len(sink.received) == 1


def test_a_server_that_is_down_is_a_retryable_error() -> None:
    with pytest.raises(MailUnavailableError, match="did not answer"):
        plain(free_port(), timeout=2).send(build_message(outgoing("end"), date=NOW))


def test_implicit_tls() -> None:
    authority = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server_context)
    client_context = ssl.create_default_context()
    authority.configure_trust(client_context)
    with smtp_sink(ssl_context=server_context) as sink:
        settings = SmtpSettings(host="127.0.0.1", port=sink.port, tls=True, starttls=False,
                                ssl_context=client_context)  # fmt: skip
        SmtpMailer(settings).send(build_message(outgoing("end"), date=NOW))
    assert len(sink.received) == 1
