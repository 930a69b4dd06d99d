"""The one retry policy of the adapters, and errors that say themselves whether trying again
can help."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httplib2
import pytest
import requests
from googleapiclient.errors import HttpError

from bot.app.outbox.executors import is_permanent
from emulators.google import GoogleEmulator
from emulators.server import RunningEmulator
from integrations.bounded import DeadlineExceededError, TooLargeError, fetch
from integrations.calendar import CalDavCalendar, CalendarError
from integrations.errors import OutsideError
from integrations.gitlab import GitLabError
from integrations.google_api import GoogleApis, GoogleSettings
from integrations.google_errors import GoogleApiError
from integrations.log_columns import LogLockedError
from integrations.mail import MailUnavailableError, SmtpMailer, SmtpSettings
from integrations.retry import RetriesExhaustedError, Retryable, RetryPolicy
from integrations.zammad import (
    ZammadClient,
    ZammadNotFoundError,
    ZammadUnavailableError,
    ZammadValidationError,
)
from tests.google_side import ACCOUNT, key_file
from tests.live_systems import Scripted, flooder, scripted, trickler


def policy(sleeps: list[float], attempts: int = 3) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, base_delay=0.5, max_delay=30, sleep=sleeps.append)


def test_the_policy_waits_what_the_server_asked_and_backs_off_otherwise() -> None:
    sleeps: list[float] = []
    answers: list[Exception | str] = [Retryable("HTTP 429", 7.0), Retryable("HTTP 503"), "done"]

    def attempt() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert policy(sleeps).run("Zammad", attempt) == "done"
    assert sleeps[0] == 7.0 and 0.5 <= sleeps[1] <= 1.0


def test_a_server_asking_for_an_hour_waits_at_most_four_times_the_longest_backoff() -> None:
    sleeps: list[float] = []
    with pytest.raises(RetriesExhaustedError, match="after 2 attempt"):
        policy(sleeps, attempts=2).run("GitLab", lambda: _raise(Retryable("HTTP 429", 3600.0)))
    assert sleeps == [120.0]


def test_an_answer_that_is_not_retryable_is_not_tried_again() -> None:
    calls: list[int] = []

    def attempt() -> None:
        calls.append(1)
        raise GitLabError("404 Project Not Found")

    with pytest.raises(GitLabError):
        policy([]).run("GitLab", attempt)
    assert calls == [1]


def test_google_honours_a_retry_after_given_as_an_http_date() -> None:
    """Google's client used to read only delta-seconds: an HTTP date was taken for no wait."""
    sleeps: list[float] = []
    apis = GoogleApis(GoogleSettings(credentials_file=Path(__file__)), policy=policy(sleeps))
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=40), usegmt=True)
    answers: list[Any] = [_busy(when), "ok"]

    def request() -> Any:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert apis.call("Google Sheets: read the log", request) == "ok"
    assert 30 <= sleeps[0] <= 40


def _busy(retry_after: str) -> HttpError:
    response = httplib2.Response({"status": 503, "retry-after": retry_after})
    return HttpError(response, b'{"error": {"message": "Backend Error"}}')


def _raise(error: Exception) -> None:
    raise error


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (ZammadValidationError(422, "Invalid tag"), True),
        (ZammadNotFoundError(404, "Not Found"), True),
        (ZammadUnavailableError(503, "Service Unavailable"), False),
        (GoogleApiError("Google Sheets: Invalid requests[0]", 400), True),
        (GoogleApiError("Google Drive: not shared with deploybot", 403), False),
        (GitLabError("connection refused"), False),
        (CalendarError("CalDAV: connection refused"), False),
        (LogLockedError("the log is open in Excel"), False),
        (MailUnavailableError("421 try later"), False),
        (RetriesExhaustedError("Zammad", 5, "HTTP 503"), False),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else str(value),
)
def test_each_adapter_error_says_whether_trying_again_can_help(
    error: OutsideError, permanent: bool
) -> None:
    assert isinstance(error, OutsideError)
    assert error.permanent is permanent and is_permanent(error) is permanent


def test_data_that_cannot_be_encoded_is_permanent_whatever_the_channel() -> None:
    assert is_permanent(UnicodeEncodeError("ascii", "ñ", 0, 1, "no"))
    assert not is_permanent(OSError("disk full"))


# -- every outside call: a deadline for the whole answer, a cap on its size ---------------------


@pytest.fixture
def system() -> Iterator[Scripted]:
    with scripted() as running:
        yield running


def within(seconds: float, call: Callable[[], object]) -> BaseException | None:
    """What ``call`` raised (None: nothing), failing when it has not ended within ``seconds``."""
    raised: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            raised.append(None)
        except BaseException as error:  # handed to the test
            raised.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return raised[0]


@pytest.mark.parametrize("part", ["body", "headers"])
def test_an_answer_that_trickles_ends_at_its_deadline(system: Scripted, part: str) -> None:
    system.trickle, system.trickle_headers = part == "body", part == "headers"
    began = time.monotonic()
    error = within(5, lambda: fetch(requests.Session(), "GET", system.url, seconds=2))
    assert isinstance(error, DeadlineExceededError)
    assert 1.9 < time.monotonic() - began < 3


def test_an_answer_over_the_cap_is_refused_while_it_arrives_or_cut_when_asked(
    system: Scripted,
) -> None:
    system.body, system.length = b"x" * 3_000_000, False
    with pytest.raises(TooLargeError, match="larger than 1 MB"):
        fetch(requests.Session(), "GET", system.url, seconds=5, max_bytes=1 << 20)
    cut = fetch(requests.Session(), "GET", system.url, seconds=5, max_bytes=1000, cut=True)
    assert cut.content == b"x" * 1000


def test_a_trickling_zammad_is_an_outage_after_each_attempts_deadline(system: Scripted) -> None:
    system.trickle = True
    # Each read waits 2 s, longer than the trickle's pause: only the deadline (1 + 2 s) ends it.
    zammad = ZammadClient(system.url, "token", connect_timeout=1, read_timeout=2,
                          retry=RetryPolicy(max_attempts=2, base_delay=0.1))  # fmt: skip
    error = within(2 * 3 + 2, lambda: zammad.articles(1))
    assert isinstance(error, ZammadUnavailableError)
    assert "did not answer after 2 attempt(s): timed out" in str(error)


def test_an_oversized_zammad_answer_is_refused_once(system: Scripted) -> None:
    system.body = b"[" + b" " * 40_000_000 + b"]"
    zammad = ZammadClient(system.url, "token", retry=RetryPolicy(max_attempts=3, base_delay=0.1))
    with pytest.raises(ZammadUnavailableError, match=r"after 1 attempt\(s\): the answer is larger"):
        zammad.articles(1)


def test_a_trickling_google_api_is_an_outage_after_each_attempts_deadline(
    system: Scripted, tmp_path: Path
) -> None:
    system.trickle = True
    emulator = GoogleEmulator({})
    with RunningEmulator(emulator) as tokens:
        key = key_file(emulator, tokens.url, tmp_path, ACCOUNT)
        settings = GoogleSettings(key, api_url=system.url, timeout=2)
        apis = GoogleApis(settings, RetryPolicy(max_attempts=2, sleep=lambda _: None))
        files = apis.service("drive").files()
        error = within(2 * 2 + 2, lambda: apis.call("Drive", lambda: files.list().execute()))
    assert isinstance(error, RetriesExhaustedError)
    assert error.last == "no whole answer within 2 s"


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_an_oversized_google_answer_is_refused_once(
    system: Scripted, tmp_path: Path, packed: bool
) -> None:
    """httplib2 reads a whole answer into memory: 40 MB sent (or 40 KB of gzip that unpack to
    40 MB) are refused at the cap, not held, and not asked for again."""
    blank = b" " * 40_000_000
    system.body, system.length = (gzip.compress(blank), True) if packed else (blank, False)
    system.headers = {"Content-Encoding": "gzip"} if packed else {}
    emulator = GoogleEmulator({})
    with RunningEmulator(emulator) as tokens:
        key = key_file(emulator, tokens.url, tmp_path, ACCOUNT)
        apis = GoogleApis(GoogleSettings(key, api_url=system.url, timeout=20),
                          RetryPolicy(max_attempts=3, sleep=lambda _: None))  # fmt: skip
        files = apis.service("drive").files()
        with pytest.raises(GoogleApiError, match=r"^Drive: the answer is larger than 32 MB$"):
            apis.call("Drive", lambda: files.list().execute())
    assert system.requests == 1


def test_a_trickling_smtp_server_is_an_outage_at_the_deadline() -> None:
    with trickler(b"220 mail.example ESMTP ready\r\n") as port:
        mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout=2))
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.example", "b@x.example", "s"
        error = within(2 + 2, lambda: mailer.send(message))
    assert isinstance(error, MailUnavailableError)
    assert "no whole answer within 2 s" in str(error)


def test_an_smtp_server_that_answers_without_end_is_an_outage_at_the_cap() -> None:
    """smtplib keeps every line of a reply: a greeting of endless ``220-`` lines is cut at
    1 MB, long before the deadline, and said in plain words."""
    with flooder(b"220-mail.example " + b"x" * 1000 + b"\r\n") as port:
        mailer = SmtpMailer(SmtpSettings(host="127.0.0.1", port=port, starttls=False, timeout=20))
        began = time.monotonic()
        error = within(20 + 2, mailer.check)
    assert isinstance(error, MailUnavailableError)
    assert str(error) == f"the mail server 127.0.0.1:{port} answered more than 1 MB"
    assert time.monotonic() - began < 10


def test_a_trickling_caldav_server_is_an_outage_at_the_deadline(system: Scripted) -> None:
    system.trickle = True
    calendar = CalDavCalendar(system.url, timeout=2)
    error = within(2 + 2, calendar.check)
    assert isinstance(error, CalendarError)
    assert "no whole answer within 2 s" in str(error)


def test_an_oversized_caldav_answer_is_refused(system: Scripted) -> None:
    system.body, system.length = b" " * 40_000_000, False
    with pytest.raises(CalendarError, match="the answer is larger than 32 MB"):
        CalDavCalendar(system.url, timeout=10).check()


def test_a_wait_the_server_asked_of_one_thread_holds_the_others_of_the_same_policy() -> None:
    now = [100.0]
    sleeps: dict[str, list[float]] = {"first": [], "second": []}
    current = ["first"]

    def sleep(seconds: float) -> None:
        sleeps[current[0]].append(seconds)

    shared = RetryPolicy(max_attempts=3, sleep=sleep, clock=lambda: now[0])
    answers: list[Exception | str] = [Retryable("HTTP 429", 10.0), "done"]

    def attempt() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert shared.run("GitLab", attempt) == "done"
    assert sleeps["first"] == [10.0]  # its own wait, not twice
    current[0] = "second"
    now[0] = 104.0  # another thread, 4 s later, while the hold lasts

    result: list[str] = []

    def in_a_thread() -> None:
        worker = threading.Thread(target=lambda: result.append(shared.run("GitLab", str)))
        worker.start()
        worker.join()

    in_a_thread()
    assert result == [""] and sleeps["second"] == [6.0]  # until 110, as the server asked
    now[0] = 200.0
    in_a_thread()  # the hold is over: no wait
    assert result == ["", ""] and sleeps["second"] == [6.0]
