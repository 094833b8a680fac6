"""A person a workspace knows: a member by Roblox user id, a contact by e-mail, or a
teammate (`role` set)."""

from dataclasses import dataclass

from ticketd.db.database import Row


@dataclass(frozen=True, slots=True)
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
        return cls(
            guid=r["guid"],
            user_id=r["user_id"],
            username=r["username"],
            display_name=r["display_name"],
            avatar_url=r["avatar_url"],
            email=r["email"],
            phone_number=r["phone_number"],
            role=r["role"],
        )
