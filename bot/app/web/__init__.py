"""What deploybot serves over HTTP: the server, webhooks, the booking pages and desk, the team's
views and report files, the pipeline gate.
"""

from typing import TYPE_CHECKING

from bot.app import face

if TYPE_CHECKING:
    from bot.app.web.booking_desk import BookingDesk, BookingParts
    from bot.app.web.booking_pages import BookingPages, booking_app
    from bot.app.web.gate import answer
    from bot.app.web.report_files import (
        column_titles,
        report_html,
        report_json,
        row_values,
        write_xlsx,
    )
    from bot.app.web.server import serve
    from bot.app.web.views import ViewsApp
    from bot.app.web.webhook import ControlApp, Running

__all__ = [
    "BookingDesk",
    "BookingPages",
    "BookingParts",
    "ControlApp",
    "Running",
    "ViewsApp",
    "answer",
    "booking_app",
    "column_titles",
    "report_html",
    "report_json",
    "row_values",
    "serve",
    "write_xlsx",
]

__getattr__ = face(
    __name__,
    {
        "booking_desk": ("BookingDesk", "BookingParts"),
        "booking_pages": ("BookingPages", "booking_app"),
        "gate": ("answer",),
        "report_files": ("column_titles", "report_html", "report_json", "row_values", "write_xlsx"),
        "server": ("serve",),
        "views": ("ViewsApp",),
        "webhook": ("ControlApp", "Running"),
    },
)
