"""How a dependency ends a request early. The app renders each on its surface: `PageRefused` and
`CsrfFailure` as the error page, `LoginRequired` as a 303 to the login."""

from __future__ import annotations

from urllib.parse import quote

from servicekonto.errors import ServiceKontoError


class CsrfFailure(ServiceKontoError):
    status = 403
    code = "csrf"


class PageRefused(ServiceKontoError):
    """A page refused with its own message (an i18n key) instead of the status's default;
    `action`: (local URL, text key) of the one step that helps, if any."""

    code = "refused"

    def __init__(
        self,
        description: str,
        *,
        message_key: str,
        status: int = 400,
        title_key: str | None = None,
        action: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.message_key = message_key
        self.status = status
        self.title_key = title_key
        self.action = action


class LoginRequired(Exception):
    """No signed-in session where a page needs one: 303 to the login, which returns to `next`
    (a local path) when given."""

    def __init__(self, next_page: str | None = None) -> None:
        super().__init__("login required")
        self.next_page = next_page

    @property
    def location(self) -> str:
        return f"/login?next={quote(self.next_page)}" if self.next_page else "/login"
