"""Operating it: doctor and the setup of Zammad and GitLab."""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.ops.doctor import diagnose
    from bot.app.ops.setup_gitlab import setup_variables
    from bot.app.ops.setup_zammad import describe_step

# setup_zammad() and setup_gitlab() are imported from their modules: they bear the modules'
# names, which importing either module would bind on this package in their place.

__all__ = [
    "describe_step",
    "diagnose",
    "setup_variables",
]

__getattr__ = face(
    __name__,
    {
        "doctor": ("diagnose",),
        "setup_gitlab": ("setup_variables",),
        "setup_zammad": ("describe_step",),
    },
)
