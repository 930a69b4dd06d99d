"""Why something was refused, as a typed value that is put into words only for its reader.

A :class:`Problem` is a catalogue key and its values; :class:`DomainError` carries one out of a
pure function (marge-bot's ``CannotMerge`` idea). Nothing decides by reading an error's text:
code looks at ``problem.key``, people read ``problem.text(language)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.texts import say


@dataclass(frozen=True)
class Problem:
    """One reason, as a sentence key of the catalogue and the values it needs."""

    key: str
    values: tuple[tuple[str, str | Problem], ...] = ()

    @classmethod
    def of(cls, key: str, **values: object) -> Problem:
        """A problem with its values; a value that is itself a Problem is put into words in
        the same language as the sentence it fills."""
        return cls(
            key,
            tuple(
                (name, value if isinstance(value, Problem) else str(value))
                for name, value in values.items()
            ),
        )

    def text(self, language: str) -> str:
        """The problem as a sentence in ``language``."""
        values = {
            name: value.text(language) if isinstance(value, Problem) else value
            for name, value in self.values
        }
        return say(language, self.key, **values)


class DomainError(ValueError):
    """A refusal raised by the domain; ``str()`` is the English text (for logs and the CLI)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.text("en"))
        self.problem = problem
