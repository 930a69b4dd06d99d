"""Jinja2 rendering of the emails, Zammad notes and public comments a deployment produces.

Templates live in ``templates/`` (shipped with deploybot); a ``templates_dir`` in the
configuration is searched first, so any single template can be overridden by a file of the
same relative path. Rendering is strict: a variable the template names but the context lacks
is an error, never an empty string. HTML templates are autoescaped, so ticket titles and other
outside text can never inject markup.

Layout::

    email/<lang>/<kind>.txt    "Subject: …", a blank line, then the plain-text body
    email/<lang>/<kind>.html   the HTML body (extends email/layout.html)
    notes/<lang>/<kind>.html   internal Zammad notes, in the operator's language
    comments/<lang>/completion.html   the public comment on each ticket
    drafts/<lang>/proposals.txt       the text an engineer sends the customer with the slots
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from typing import Any, Literal, get_args

import jinja2
import markupsafe

from bot.config.base import in_language
from bot.config.models import Config, Customer, EmailKind, Provider
from bot.domain.booking_link import claim_for
from bot.domain.calendar.rules import Slot
from bot.domain.free_text import Audience, audience_texts
from bot.domain.model import Deployment
from bot.domain.prerequisites.result import Report
from bot.domain.prerequisites.rollback import guide_steps
from bot.domain.support_line import support_sentence
from bot.domain.texts import FALLBACK, grammar, plural_form, say
from bot.domain.texts.calendar import duration_words, list_words, long_date, short_date
from bot.resources import templates_path

NoteKind = Literal["prerequisites", "proposals", "checklist", "status", "command_error"]
PartOfDay = Literal["morning", "afternoon", "night"]

EMAIL_KINDS: tuple[EmailKind, ...] = get_args(EmailKind)


class TemplateError(Exception):
    """A template that is missing, malformed, or names a variable the context does not have."""


@dataclass(frozen=True)
class RenderedEmail:
    """The three parts of one email, in one language."""

    kind: EmailKind
    language: str
    subject: str
    text: str
    html: str


#: When the greeting changes, per language: English says good afternoon from noon and good
#: evening from six; Spanish and Catalan say buenas tardes / bona tarda from two (after lunch)
#: and buenas noches / bon vespre from eight.
GREETING_TURNS: dict[str, tuple[time, time]] = {
    "en": (time(12, 0), time(18, 0)),
    "es": (time(14, 0), time(20, 0)),
    "ca": (time(14, 0), time(20, 0)),
}


def part_of_day(moment: time, language: str) -> PartOfDay:
    """Which greeting fits a local time in ``language``."""
    afternoon, night = GREETING_TURNS.get(language, GREETING_TURNS[FALLBACK])
    if moment < afternoon:
        return "morning"
    if moment < night:
        return "afternoon"
    return "night"


def audience_language(audience: Audience, deployment: Deployment, config: Config) -> str:
    """The language an audience reads: the operator's for the team, the customer's for the
    customer and its partner."""
    if audience == "team":
        return config.provider.language
    return config.customer(deployment.customer).language


def note_language(config: Config) -> str:
    """The language of internal notes, replies and alerts: the operator's (the provider's)."""
    return config.provider.language


def is_production(customer: Customer, environment: str) -> bool:
    """Whether an environment is the customer's production (its default environment).

    Emails say "to production" for it and name any other environment ("to the PRE environment").
    """
    return customer.default_environment.name.casefold() == environment.casefold()


def _clock(moment: datetime | None, config: Config) -> str:
    return moment.astimezone(config.provider.tz).strftime("%H:%M") if moment else ""


def _day(moment: datetime | None, config: Config, language: str) -> str:
    if moment is None:
        return ""
    return long_date(language, moment.astimezone(config.provider.tz).date())


def moment_words(moment: datetime | None, config: Config, language: str) -> str:
    """A moment written out, without its year, as a letter names the booking it moves:
    ``lunes 7 de diciembre a las 09:00``, ``dilluns 7 de desembre a les 09:00``."""
    if moment is None:
        return ""
    local = moment.astimezone(config.provider.tz)
    day = long_date(language, local.date(), with_year=False)
    return say(language, "at_time", day=day, time=f"{local:%H:%M}")


def _environment_context(customer: Customer, name: str, language: str) -> dict[str, Any]:
    environment = customer.environment(name)
    return {
        "environment_description": environment_description(customer, name, language),
        "production_data": environment.production_data if environment else False,
    }


def environment_description(customer: Customer, name: str, language: str) -> str:
    """What the customer's environment ``name`` is, in ``language`` ("" when not described)."""
    environment = customer.environment(name)
    if environment is None:
        return ""
    return one_line(in_language(environment.description, language, customer.language))


_URL = re.compile(r"https?://[^\s<>\"']+")


def plain_text_html(text: str) -> str:
    """A plain text (a draft) as HTML: escaped, its addresses made links, its lines kept."""
    html = str(markupsafe.escape(text))
    html = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', html)
    paragraphs = re.split(r"\n\s*\n", html.strip())
    return "\n".join("<p>" + p.strip().replace("\n", "<br>\n") + "</p>" for p in paragraphs)


def one_line(text: str) -> str:
    """Outside text made single-line: a title cannot break a subject or a list item in two."""
    return " ".join(text.split())


def deployment_context(
    deployment: Deployment,
    config: Config,
    *,
    language: str,
    now: datetime,
    audience: Audience = "customer",
) -> dict[str, Any]:
    """Every variable the templates may use to describe a deployment, as plain values.

    Times are shown in the provider's time zone; ``part_of_day`` follows the time of sending;
    what an operator typed reaches a customer only as ``audience_texts`` allows."""
    customer, provider = config.customer(deployment.customer), config.provider
    local_now = now.astimezone(provider.tz)
    start, actual = deployment.planned_start, deployment.actual_duration
    return _environment_context(customer, deployment.environment, language) | {
        "language": language,
        "part_of_day": part_of_day(local_now.time(), language),
        "deployment_id": deployment.id,
        "state": deployment.state.value,
        "customer": customer.name,
        "customer_organization": customer.organization,
        "managed_by": customer.managed_by,
        "partner": customer.partner.name if customer.partner else "",
        "am_pam": customer.am_pam,
        "environment": one_line(deployment.environment),
        "is_production": is_production(customer, deployment.environment),
        "tickets": [
            {"number": one_line(config.zammad.ticket_label(t.number)), "title": one_line(t.title)}
            for t in deployment.tickets
        ],
        "components": [
            {
                "name": one_line(c.name),
                "version": one_line(c.version),
                "rollback_version": one_line(c.rollback_version or ""),
            }
            for c in deployment.components
        ],
        "components_words": list_words(
            language, [one_line(f"{c.name} {c.version}") for c in deployment.components]
        ),
        "description": one_line(deployment.description),
        "duration": duration_words(language, deployment.duration),
        "slot_day": _day(start, config, language),
        "slot_date": short_date(start.astimezone(provider.tz).date()) if start else "",
        "slot_time": _clock(start, config),
        "slot_end_time": _clock(deployment.planned_end, config),
        "actual_day": _day(deployment.actual_end or deployment.actual_start, config, language),
        "actual_start_time": _clock(deployment.actual_start, config),
        "actual_end_time": _clock(deployment.actual_end, config),
        "actual_duration": duration_words(language, actual) if actual is not None else "",
        "today": long_date(language, local_now.date()),
        "rollback_guide": [one_line(step) for step in guide_steps(deployment, config, language)],
        "provider": provider.name,
        "signature": provider.signature_in(language),
        "maintenance_mode": customer.maintenance_mode,
    } | _support(provider, language) | {name: _one_line(value) for name, value in
          audience_texts(deployment, config, language, audience).items()}  # fmt: skip


def _support(provider: Provider, language: str) -> dict[str, str]:
    """How the customer reaches support: the provider's portal and phone, and the sentence
    that offers every way there is (plain and as HTML)."""
    return {
        "support_portal": provider.support_portal,
        "support_phone": provider.support_phone,
        "support_text": support_sentence(provider, language),
        "support_html": support_sentence(provider, language, html=True),
    }


def _one_line(value: str | list[str]) -> str | list[str]:
    return one_line(value) if isinstance(value, str) else [one_line(item) for item in value]


class Renderer:
    """Renders the shipped templates, or the ones a configured folder overrides."""

    def __init__(self, override_dir: Path | None = None) -> None:
        search = [str(override_dir)] if override_dir else []
        search.append(str(templates_path()))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(search),
            undefined=jinja2.StrictUndefined,
            autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
        )
        self.env.filters.update(grammar.FILTERS)

    @classmethod
    def for_config(cls, config: Config) -> Renderer:
        """A renderer that honours the configuration's ``templates_dir``."""
        override = config.resolve_path(config.templates_dir) if config.templates_dir else None
        return cls(override)

    def render(self, names: Sequence[str], context: Mapping[str, Any]) -> str:
        """The first of ``names`` that exists, rendered; any template problem is a TemplateError."""
        try:
            template = self.env.select_template(list(names))
            return template.render(context)
        except jinja2.TemplatesNotFound:
            raise TemplateError(f"no template {' or '.join(names)}") from None
        except jinja2.TemplateSyntaxError as error:
            raise TemplateError(f"{error.filename}:{error.lineno}: {error.message}") from None
        except jinja2.UndefinedError as error:
            raise TemplateError(f"{names[0]}: {error.message}") from None

    def email(
        self,
        kind: EmailKind,
        deployment: Deployment,
        config: Config,
        *,
        now: datetime,
        language: str | None = None,
        **extra: Any,
    ) -> RenderedEmail:
        """One email about ``deployment`` in the customer's language (or ``language``)."""
        customer = config.customer(deployment.customer)
        audience: Audience = "team" if kind == "invitation" else "customer"
        if audience == "team":
            language = language or config.provider.language
        language = language or customer.language
        context = deployment_context(deployment, config, language=language, now=now,
                                     audience=audience)  # fmt: skip
        context.update({"expected_end_time": "", "moved_from": "", "chosen": ""})
        context.update(_offer_context(deployment, config, language, now, ""), **extra)
        text = self.render(_localized("email", language, f"{kind}.txt"), context)
        html = self.render(_localized("email", language, f"{kind}.html"), context)
        subject, body = _split_subject(f"email/{language}/{kind}.txt", text)
        return RenderedEmail(kind=kind, language=language, subject=subject, text=body, html=html)

    def event_text(
        self, audience: Audience, deployment: Deployment, config: Config, *, now: datetime
    ) -> str:
        """The description of a deployment's calendar event for ``audience``: the team's in the
        operator's language with the internal detail (rollback versions and guide), the
        customer's in the customer's language with none. The times are the real ones once
        known, so the text always says what the event's times say."""
        language = audience_language(audience, deployment, config)
        context = deployment_context(deployment, config, language=language, now=now,
                                     audience=audience)  # fmt: skip
        start, end = deployment.shown_times
        context.update(
            event_day=_day(start, config, language),
            event_start_time=_clock(start, config),
            event_end_time=_clock(end, config),
        )
        names = _localized("events", language, f"{audience}.txt")
        return self.render(names, context).strip() + "\n"

    def note(self, kind: NoteKind, config: Config, **context: Any) -> str:
        """An internal Zammad note (HTML) in the operator's language; Spanish when not shipped.

        Every note may use ``tags`` (the configured tag names), ``message`` and ``details``.
        """
        language = note_language(config)
        context.setdefault("language", language)
        context.setdefault("tags", config.zammad.tags.model_dump())
        context.setdefault("message", "")
        context.setdefault("details", [])
        return self.render(_localized("notes", language, f"{kind}.html"), context)

    def prerequisites_note(self, report: Report, config: Config) -> str:
        """The prerequisite report as a note; for a customer we do not handle, the one note
        that says so."""
        language = note_language(config)
        if not report.handled:
            return self.note("status", config, event="not_handled",
                             message=report.checks[-1].message)  # fmt: skip
        checks = [
            {
                "status": check.status,
                "code": check.code,
                "message": check.message,
                "links": [{"label": link.label, "url": link.url} for link in check.links],
                "lines": list(check.lines),
            }
            for check in report.checks
        ]
        subject = " ".join(part for part in (report.customer, report.environment) if part)
        subject += _environment_remark(report, config, language)
        return self.note(
            "prerequisites",
            config,
            subject=subject,
            summary=report.summary(language),
            ready=report.ready,
            checks=checks,
        )

    def deployment_note(
        self, kind: NoteKind, deployment: Deployment, config: Config, *, now: datetime, **extra: Any
    ) -> str:
        """An internal note about a deployment: its context plus ``extra``."""
        language = note_language(config)
        context = deployment_context(deployment, config, language=language, now=now,
                                     audience="team")  # fmt: skip
        context.update(extra)
        return self.note(kind, config, **context)

    def completion_comment(self, deployment: Deployment, config: Config, *, now: datetime) -> str:
        """The public comment on each ticket once deployed, in the customer's language."""
        language = config.customer(deployment.customer).language
        context = deployment_context(deployment, config, language=language, now=now)
        return self.render(
            _localized("comments", language, "completion.html"),
            context,
        )

    def proposals_draft(
        self,
        deployment: Deployment,
        config: Config,
        slots: Sequence[Slot],
        *,
        now: datetime,
        link: str = "",
        lapsed: str = "",
    ) -> str:
        """The text the customer reads to agree one of the proposed slots: sent by an engineer,
        or — with a booking ``link`` — by deploybot itself (``lapsed``: the slot the customer
        chose before, whose choice lapsed, said first)."""
        language = config.customer(deployment.customer).language
        context = deployment_context(deployment, config, language=language, now=now)
        context.update(_offer_context(deployment, config, language, now, link, slots))
        context["lapsed"] = lapsed
        return self.render(_localized("drafts", language, "proposals.txt"), context)

    def proposals_note(
        self,
        deployment: Deployment,
        config: Config,
        slots: Sequence[Slot],
        *,
        now: datetime,
        link: str = "",
    ) -> str:
        """The internal note listing the proposed slots, their tags and the customer draft."""
        language = note_language(config)
        prefix = config.zammad.tags.slot_prefix
        rows = _slot_rows(slots, config, language)
        for number, row in enumerate(rows, start=1):
            row["tag"] = f"{prefix}{number}"
        example = (
            slots[0].start.astimezone(config.provider.tz).strftime("%Y-%m-%d %H:%M")
            if slots
            else "2026-12-01 09:30"
        )
        return self.deployment_note(
            "proposals",
            deployment,
            config,
            now=now,
            slots=rows,
            example=example,
            draft=self.proposals_draft(deployment, config, slots, now=now, link=link).strip(),
            link=link,
        )


def _offer_context(
    deployment: Deployment,
    config: Config,
    language: str,
    now: datetime,
    link: str,
    slots: Sequence[Slot] | None = None,
) -> dict[str, Any]:
    """What the proposals say: the slots (the deployment's proposals unless given), and the
    booking link with the day it lapses (the day its claim expires)."""
    days = config.customer(deployment.customer).booking.link_days
    until = claim_for(deployment, now, days).expires.astimezone(config.provider.tz)
    if slots is None:
        slots = [Slot(start, start + deployment.duration) for start in deployment.proposals]
    return {
        "slots": _slot_rows(slots, config, language),
        # One date is offered in the singular ("la siguiente fecha"), as CLDR counts it.
        "slots_form": plural_form(language, len(slots)),
        "link": link,
        "link_until": long_date(language, until.date()),
        # A later issue of proposals says the earlier dates (and link) no longer hold.
        "reissued": deployment.proposal_round > 1,
        "lapsed": "",  # a choice of the customer's that lapsed (said when offering afresh)
    }


def _localized(folder: str, language: str, name: str) -> list[str]:
    """A template's names: in ``language``, else in the one fallback language."""
    return [f"{folder}/{language}/{name}", f"{folder}/{FALLBACK}/{name}"]


def _environment_remark(report: Report, config: Config, language: str) -> str:
    """The environment's description and whether it holds production data, for the report."""
    customer = next((c for c in config.customers if c.name == report.customer), None)
    if customer is None or not report.environment:
        return ""
    environment = customer.environment(report.environment)
    parts = [environment_description(customer, report.environment, language)]
    if environment is not None and environment.production_data:
        parts.append(say(language, "production_data"))
    remark = ", ".join(part for part in parts if part)
    return f" ({remark})" if remark else ""


def _slot_rows(slots: Sequence[Slot], config: Config, language: str) -> list[dict[str, str]]:
    tz = config.provider.tz
    return [
        {
            "day": long_date(language, slot.start.astimezone(tz).date()),
            "time": _clock(slot.start, config),
            "end_time": _clock(slot.end, config),
        }
        for slot in slots
    ]


def _split_subject(name: str, rendered: str) -> tuple[str, str]:
    first, _, body = rendered.partition("\n")
    if not first.startswith("Subject:"):
        raise TemplateError(f"{name}: the first line must be 'Subject: …'")
    # A subject is one line: whatever outside text it holds cannot add a header.
    subject = " ".join(first.removeprefix("Subject:").split())
    return subject, body.lstrip("\n")
