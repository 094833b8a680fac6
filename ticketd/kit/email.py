"""E-mail address checking, by a maintained library rather than a home-made regex."""

from email_validator import EmailNotValidError, validate_email


def normalize_email(address: str) -> str:
    """The address as it should be stored (domain lower-cased, IDNA-normalised), or
    ValueError with a readable reason. Deliverability is not checked: no DNS at request
    time."""
    try:
        return validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from None
