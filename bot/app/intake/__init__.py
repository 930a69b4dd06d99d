"""What comes in: the Zammad poll and what it routes, the GitLab poll and its hooks."""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.intake.gitlab_poll import DAEMON_STARTED, HOOK_RECEIVED, GitLabPoll
    from bot.app.intake.zammad_acting import ZammadActing

__all__ = [
    "DAEMON_STARTED",
    "HOOK_RECEIVED",
    "GitLabPoll",
    "ZammadActing",
]

__getattr__ = face(
    __name__,
    {
        "gitlab_poll": ("DAEMON_STARTED", "HOOK_RECEIVED", "GitLabPoll"),
        "zammad_acting": ("ZammadActing",),
    },
)
