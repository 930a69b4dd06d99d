"""The outside systems as the shell sees them: ports (protocols the adapters fulfil), the cycle's
read-through Zammad cache, the health book and step 3's live checks.
"""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.outside.health import HealthBook, system_of
    from bot.app.outside.live_checks import LiveChecks
    from bot.app.outside.ports import (
        CalendarFilePort,
        CalendarServerPort,
        GitLabPort,
        JobsPort,
        LiveSystemsPort,
        LogPort,
        MailPort,
        ZammadPort,
    )
    from bot.app.outside.zammad_reads import ZammadReads

__all__ = [
    "CalendarFilePort",
    "CalendarServerPort",
    "GitLabPort",
    "HealthBook",
    "JobsPort",
    "LiveChecks",
    "LiveSystemsPort",
    "LogPort",
    "MailPort",
    "ZammadPort",
    "ZammadReads",
    "system_of",
]

__getattr__ = face(
    __name__,
    {
        "health": ("HealthBook", "system_of"),
        "live_checks": ("LiveChecks",),
        "ports": (
            "CalendarFilePort",
            "CalendarServerPort",
            "GitLabPort",
            "JobsPort",
            "LiveSystemsPort",
            "LogPort",
            "MailPort",
            "ZammadPort",
        ),
        "zammad_reads": ("ZammadReads",),
    },
)
