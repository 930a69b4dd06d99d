"""How long a customer's reply of a megabyte takes to read (it is read while deploybot decides):
the shapes of tests/test_reply_reading.py, and the quoted replies of its table.

Run: .venv/bin/python benchmarks/bench_replies.py   (prints figures; not a timed test)
"""

from __future__ import annotations

import functools

from timing import measure

from bot.domain.reply_reading import read_reply
from tests.scenes import START
from tests.test_reply_reading import LONG, PROPOSALS, QUOTED


def main() -> None:
    read_reply("el jueves", "es", PROPOSALS, START)  # the parser of dates loads once
    for name, (language, body, html, _) in LONG.items():
        read = functools.partial(read_reply, body, language, PROPOSALS, START, html=html)
        measure(f"1 MB: {name}", 10, read)
    measure(
        f"all {len(QUOTED)} quoted replies of the table",
        5,
        lambda: [
            read_reply(body, language, PROPOSALS, START, html=kind == "html")
            for language, kind, body, _ in QUOTED
        ],
    )


if __name__ == "__main__":
    main()
