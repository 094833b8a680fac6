"""A person a workspace knows: a member by Roblox user id, a contact by e-mail, or a
teammate (`role` set)."""

from dataclasses import dataclass

from ticketd.db.database import Row


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Person:
    guid: str
    user_id: int | None
    username: str | None
    display_name: str | None
    avatar_url: str | None
    email: str | None
    phone_number: str | None
    role: str | None  # admin | agent | read_only_user; None for members and contacts

    @property
    def name(self) -> str:
        return self.display_name or self.username or self.email or f"User {self.user_id}"

    @classmethod
    def from_row(cls, r: Row) -> "Person":
        """From a row holding repository.PERSON_COLUMNS, in order."""
        return cls(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7])
