"""The one retry policy of the adapters, and errors that say themselves whether trying again
can help."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httplib2
import pytest
from googleapiclient.errors import HttpError

from bot.app.executors import is_permanent
from integrations.calendar import CalendarError
from integrations.errors import OutsideError
from integrations.gitlab import GitLabError
from integrations.google_api import GoogleApis, GoogleSettings
from integrations.google_errors import GoogleApiError
from integrations.log_columns import LogLockedError
from integrations.mail import MailUnavailableError
from integrations.retry import RetriesExhaustedError, Retryable, RetryPolicy
from integrations.zammad import ZammadNotFoundError, ZammadUnavailableError, ZammadValidationError


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
