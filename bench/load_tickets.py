"""Realistic tickets: who opens them and when (over two years, more each month), where
they are filed, how far each got (most resolved or closed, recent ones still open or in
progress), and the conversation, claims, notes, tags and field values on the way."""

import random
from dataclasses import dataclass, field
from typing import Any

from bench.load_authors import Author, pick_author
from bench.load_life import Counters, Life, Rows
from bench.load_text import (
    COMMON_SHARE,
    COMMON_WORD,
    RARE_TICKETS,
    RARE_WORD,
    Vocabulary,
    with_marker,
)
from bench.load_work import body as _body
from bench.load_work import work
from bench.load_workspace import Cast
from ticketd.kit import ids
from ticketd.people.actors import Actor, ActorKind
from ticketd.tickets.model import OPEN_STATUSES, Attachment, Body, Source, Status, to_json

MINUTE, DAY = 60_000, 86_400_000
SPAN = 730 * DAY
PRIORITIES = (("low", 20), ("medium", 55), ("high", 20), ("urgent", 5))
SENTIMENTS = (None, "question", "praise", "suggestion", "complaint")
SOURCE_NAMES = ("Contact form", "E-mail", "Website chat", "Mobile app")
PLACE_IDS = (1818, 2753915549, 4924922222, 6516141723)
# Final status by the ticket's age: (younger than, [open, in-progress, resolved, closed]).
STATUS_BY_AGE = (
    (2 * DAY, (45, 35, 12, 8)),
    (14 * DAY, (12, 18, 42, 28)),
    (SPAN + DAY, (1.5, 2.5, 58, 38)),
)
STATUSES = (Status.OPEN, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED)


@dataclass
class Markers:
    """Which tickets hold the marker words (ids of the rare ones, a count of the others)."""

    rare_offset: int
    rare_ticket_ids: list[int] = field(default_factory=list)
    common_count: int = 0


class TicketMaker:
    def __init__(
        self, cast: Cast, vocabulary: Vocabulary, authors: list[Author], tag_ids: dict[str, int],
        *, count: int, now: int, seed: int, counters: Counters,
    ) -> None:  # fmt: skip
        self.cast, self.vocabulary, self.authors = cast, vocabulary, authors
        self.tag_ids, self.count, self.now, self.counters = tag_ids, count, now, counters
        self.rng = random.Random(seed)
        self.start = now - SPAN
        self.rare_every = max(1, count // RARE_TICKETS)
        self.markers = Markers(rare_offset=self.rng.randrange(self.rare_every))
        self.open_held: dict[tuple[str, str], int] = {}  # (author GUID, category): open tickets

    def make(self, index: int, rows: Rows) -> None:
        """The index-th ticket (in creation order) and everything that happened to it."""
        rng = self.rng
        author = pick_author(self.authors, rng)
        created = self._created_at(index)
        helpdesk = author.is_contact
        game_report = not helpdesk and rng.random() < 0.06
        category = self._category(author, game_report)
        final = self._final_status(created, author, category)
        ticket = self._ticket_row(author, created, category, helpdesk, game_report)
        life = Life(ticket, rows, self.counters)
        self.counters.ticket += 1
        life.create(_author_actor(author), self._opening(index, ticket, helpdesk), game_report)
        if helpdesk:
            self._labels_at_creation(life)
        work(self, life, author, final, helpdesk)

    def _created_at(self, index: int) -> int:
        # Tickets grow linearly over time: the density of created_at rises with it.
        position = ((index + self.rng.random()) / self.count) ** 0.5
        return self.start + int(SPAN * position)

    def later(self, at: int, typical_minutes: float = 90) -> int:
        delay = self.rng.lognormvariate(0, 1.4) * typical_minutes * MINUTE
        return min(self.now, at + int(delay))

    def _category(self, author: Author, game_report: bool) -> str | None:
        cast, rng = self.cast, self.rng
        if game_report and "player-reports" in cast.config.categories:
            return "player-reports"
        if author.is_contact and rng.random() < 0.15:
            return None  # uncategorised: only the helpdesk files these
        member_only = [c for c in cast.member_categories if cast.may_file(c, author.user_id)]
        if member_only and rng.random() < 0.3:
            return rng.choice(member_only)
        choices = cast.open_categories or member_only
        return rng.choice(choices) if choices else None

    def _final_status(self, created: int, author: Author, category: str | None) -> Status:
        age = self.now - created
        weights = next(w for younger_than, w in STATUS_BY_AGE if age < younger_than)
        status = self.rng.choices(STATUSES, weights=weights)[0]
        if status not in OPEN_STATUSES or category is None:
            return status
        limit = self.cast.config.categories[category].max_open_tickets
        held = self.open_held.get((author.guid, category), 0)
        if limit is not None and held >= limit:
            return Status.RESOLVED  # the app would have refused another open ticket
        self.open_held[(author.guid, category)] = held + 1
        return status

    def _ticket_row(
        self, author: Author, created: int, category: str | None, helpdesk: bool, game: bool
    ) -> dict[str, Any]:
        rng, seconds = self.rng, created // 1000
        source = (
            Source.HELPDESK_API if helpdesk else Source.GAME_REPORT if game else Source.SERIES_API
        )
        return {
            "id": self.counters.ticket,
            "number": self.counters.ticket + self.counters.ticket_offset,
            "workspace_id": self.cast.config.workspace.id,
            # The app's generators, with the creation time in place of the current one.
            "code": f"TICKET-{seconds:010d}-{ids.ticket_code()[-4:]}",
            "object_id": f"{seconds:08x}{ids.object_id()[8:]}",
            "subject": self.vocabulary.subject(rng),
            "category_key": category,
            "department_key": self.cast.config.department_for(category) if category else None,
            "status": Status.OPEN,
            "priority": rng.choices([p for p, _ in PRIORITIES], [w for _, w in PRIORITIES])[0],
            "author_guid": author.guid,
            "author_user_id": author.user_id,
            "author_username": author.username,
            "author_display_name": author.display_name,
            "author_avatar_url": author.avatar_url,
            "assignee_guid": None,
            "claimed_by": None,
            "claimed_at": None,
            "game_report": game,
            "place_id": rng.choice(PLACE_IDS) if game else None,
            "server_id": ids.new_guid() if game else None,
            "sentiment": rng.choice(SENTIMENTS) if helpdesk else None,
            "detailed_source": source,
            "source_name": rng.choice(SOURCE_NAMES) if helpdesk else None,
            "cc": to_json(["manager@example.com"]) if helpdesk and rng.random() < 0.05 else None,
            "reply_count": 0,
            "has_draft": False,
            "last_thread_at": created,
            "created_at": created,
            "updated_at": created,
            "closed_at": None,
            "first_response_at": None,
            "first_resolved_at": None,
            "public_token": ids.public_token(),
        }

    def _opening(self, index: int, ticket: dict[str, Any], helpdesk: bool) -> Body:
        """The opening message; the marker words go into it and into the subject."""
        text = self.vocabulary.author_text(self.rng)
        rare = index % self.rare_every == self.markers.rare_offset
        if rare and len(self.markers.rare_ticket_ids) < RARE_TICKETS:
            ticket["subject"], text = with_marker(ticket["subject"], text, RARE_WORD)
            self.markers.rare_ticket_ids.append(ticket["id"])
        elif self.rng.random() < COMMON_SHARE:
            ticket["subject"], text = with_marker(ticket["subject"], text, COMMON_WORD)
            self.markers.common_count += 1
        files = ()
        if self.rng.random() < 0.04:
            files = (Attachment(f"https://cdn.example.com/u/{ticket['id']}.png", "screenshot.png"),)
        return _body(text, helpdesk, files)

    def _labels_at_creation(self, life: Life) -> None:
        if self.tag_ids and self.rng.random() < 0.3:
            life.attach_tags(self.some_tags())
        for custom_field in self.cast.custom_fields:
            if self.rng.random() < 0.4:
                life.add_field_value(
                    custom_field.id, self.field_value(custom_field.type, custom_field.options)
                )

    def some_tags(self) -> dict[str, int]:
        names = list(self.tag_ids)
        # The first tags are the commonest: a triangular draw favours low indexes.
        chosen = {
            names[int(self.rng.triangular(0, len(names), 0))] for _ in range(self.rng.randint(1, 3))
        }
        return {name: self.tag_ids[name] for name in sorted(chosen, key=str.lower)}

    def field_value(self, field_type: str, options: tuple[str, ...]) -> str:
        rng = self.rng
        if field_type == "dropdown":
            return rng.choice(options)
        if field_type == "number":
            return str(rng.randint(10_000, 99_999_999))
        if field_type == "date":
            return f"202{rng.randint(3, 5)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        return rng.choice(("EU West", "US East", "US West", "Asia", "Brazil", "Oceania"))


def _author_actor(author: Author) -> Actor:
    return Actor(ActorKind.MEMBER, author.guid, author.display_name or "", author.user_id)
