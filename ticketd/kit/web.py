"""What the HTML apps (the staff dashboard, the author's link) share about a request."""

from typing import Any

from pydantic import TypeAdapter, ValidationError
from starlette.requests import Request

from ticketd.kit.errors import ValidationFailed
from ticketd.kit.validation import Text4000

_MESSAGE_TEXT: TypeAdapter[str] = TypeAdapter(Text4000)  # the APIs' limits for a message


def services(request: Request) -> Any:
    """The process's Services (database, cache, settings, limiters)."""
    return request.app.state.services


def same_origin(request: Request) -> bool:
    """A state-changing request must come from our own pages (with SameSite=Lax
    cookies and the form's CSRF token, this stops cross-site posts)."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


def message_text(text: str) -> str:
    """A reply or note typed into a form, by the APIs' rule for message text: 1 to 4000
    characters once stripped, no NUL; a refusal says what to do in a person's words."""
    try:
        return _MESSAGE_TEXT.validate_python(text)
    except ValidationError as error:
        problem = error.errors(include_url=False)[0]
        if problem["type"] == "string_too_short":
            raise ValidationFailed("Write something first.") from None
        if problem["type"] == "string_too_long":
            limit = (problem.get("ctx") or {}).get("max_length")
            raise ValidationFailed(f"A message has at most {limit} characters.") from None
        raise ValidationFailed("A message cannot contain NUL characters.") from None
