"""The rules on who may act on a ticket are the same whoever calls: they look only at
the Actor. No database, no HTTP."""

import dataclasses

import pytest

from ticketd.kit.errors import (
    ClaimRequired,
    GameReportReadOnly,
    NotAllowed,
    NotStaff,
    NotTicketAuthor,
    TeammateNotFound,
    TeammateReadOnly,
    TicketClosed,
    UnknownReplyAuthor,
)
from ticketd.people import actors
from ticketd.people.actors import ActorKind
from ticketd.tickets import rules
from ticketd.tickets.model import Source, Status, Ticket
from ticketd.workspaces import access
from ticketd.workspaces.config import Department, Member, Teammate, Workspace, WorkspaceConfig

STAFF, OTHER_STAFF, AUTHOR = 100, 200, 300
WS = "11111111-2222-4333-8444-555555555555"
ANN = Teammate("a" * 8 + "-0000-4000-8000-" + "0" * 12, "Ann", "ann@x.test", "agent", None, None)
RITA = Teammate(
    "b" * 8 + "-0000-4000-8000-" + "0" * 12, "Rita", "rita@x.test", "read_only_user", None, None
)


def department(key: str, *members: int) -> Department:
    return Department(1, 1, key, key.title(), frozenset(members), None, None, ("support",))


CONFIG = WorkspaceConfig(
    Workspace(WS, "W", "premium", True, False, None, False, None),
    departments={
        "support-dept": department("support-dept", STAFF),
        "mod": department("mod", OTHER_STAFF),
    },
    members={AUTHOR: Member(AUTHOR, "player", "Player", None, 0)},
    teammates={ANN.guid: ANN, RITA.guid: RITA},
)


def ticket(**changes: object) -> Ticket:
    base = Ticket(
        id=1,
        code="TICKET-1",
        object_id="a" * 24,
        workspace_id=WS,
        subject="Help",
        category_key="support",
        department_key="support-dept",
        status=Status.OPEN,
        priority="medium",
        author_guid=CONFIG.guid_for_user(AUTHOR),
        author_user_id=AUTHOR,
        author_username="player",
        author_display_name="Player",
        author_avatar_url=None,
        assignee_guid=None,
        assignee_user_id=None,
        assigned_at=None,
        game_report=False,
        place_id=None,
        server_id=None,
        sentiment=None,
        source=Source.SERIES_API,
        source_name=None,
        cc=(),
        reply_count=0,
        has_draft=False,
        last_thread_at=1,
        created_at=1,
        updated_at=1,
        closed_at=None,
        first_response_at=None,
        first_resolved_at=None,
        public_token="f" * 32,
        number=1,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_staff_work_only_their_departments_tickets() -> None:
    rules.ensure_works_department(actors.staff_member(CONFIG, STAFF), ticket())
    with pytest.raises(NotStaff):
        rules.ensure_works_department(actors.staff_member(CONFIG, OTHER_STAFF), ticket())


def test_a_ticket_without_department_is_open_to_any_departments_staff() -> None:
    unrouted = ticket(department_key=None)
    rules.ensure_works_department(actors.staff_member(CONFIG, OTHER_STAFF), unrouted)
    with pytest.raises(NotStaff):
        rules.ensure_works_department(actors.staff_member(CONFIG, 999), unrouted)


def test_teammates_and_integrations_work_every_department_members_none() -> None:
    rules.ensure_works_department(actors.teammate(CONFIG, ANN), ticket(department_key="mod"))
    rules.ensure_works_department(actors.integration("client", "Web form"), ticket())
    rules.ensure_works_department(actors.SYSTEM, ticket())
    with pytest.raises(NotStaff):
        rules.ensure_works_department(actors.member(CONFIG, AUTHOR), ticket())


def test_staff_reply_only_to_tickets_they_hold_teammates_without_claiming() -> None:
    staff = actors.staff_member(CONFIG, STAFF)
    with pytest.raises(ClaimRequired):
        rules.check_may_reply(staff, ticket())
    rules.check_may_reply(staff, ticket(assignee_guid=staff.guid))
    rules.check_may_reply(actors.teammate(CONFIG, ANN), ticket())


def test_read_only_teammates_neither_reply_nor_are_assigned() -> None:
    with pytest.raises(TeammateReadOnly):
        rules.check_may_reply(actors.teammate(CONFIG, RITA), ticket())
    with pytest.raises(TeammateReadOnly):
        rules.assignable_teammate(CONFIG, RITA.guid)
    with pytest.raises(TeammateNotFound):
        rules.assignable_teammate(CONFIG, "c" * 8 + "-0000-4000-8000-" + "0" * 12)
    assert rules.assignable_teammate(CONFIG, ANN.guid) is ANN


def test_game_reports_take_no_replies_from_anyone() -> None:
    report = ticket(game_report=True, place_id=1)
    staff = actors.staff_member(CONFIG, STAFF)
    for actor in (staff, actors.teammate(CONFIG, ANN), actors.member(CONFIG, AUTHOR)):
        with pytest.raises(GameReportReadOnly):
            rules.check_may_reply(actor, dataclasses.replace(report, assignee_guid=staff.guid))


def test_members_follow_up_only_their_own_open_tickets() -> None:
    rules.check_may_reply(actors.member(CONFIG, AUTHOR), ticket())
    with pytest.raises(NotTicketAuthor):
        rules.check_may_reply(actors.member(CONFIG, 12345), ticket())
    with pytest.raises(NotTicketAuthor):
        rules.check_may_reply(actors.unknown_contact("who@x.test"), ticket())
    with pytest.raises(TicketClosed):
        rules.check_may_reply(actors.member(CONFIG, AUTHOR), ticket(status=Status.RESOLVED))


def test_visibility_follows_the_departments_an_actor_works() -> None:
    assert rules.visible_departments(actors.staff_member(CONFIG, STAFF)) == ("support-dept",)
    assert rules.visible_departments(actors.integration("c", "n")) is None
    assert rules.sees_no_tickets(actors.staff_member(CONFIG, 999))
    assert rules.sees_no_tickets(actors.member(CONFIG, AUTHOR))
    teammate = actors.teammate(CONFIG, ANN)
    assert teammate.kind is ActorKind.TEAMMATE and not rules.sees_no_tickets(teammate)
    assert rules.visible_departments(teammate) == ("support-dept", "mod")


def test_one_loaded_ticket_is_seen_by_whoever_a_search_would_show_it_to() -> None:
    staff, outsider = actors.staff_member(CONFIG, STAFF), actors.staff_member(CONFIG, 999)
    assert rules.may_see(staff, ticket()) and rules.may_see(staff, ticket(department_key=None))
    assert not rules.may_see(staff, ticket(department_key="mod"))
    assert not rules.may_see(outsider, ticket(department_key=None))
    assert not rules.may_see(actors.member(CONFIG, AUTHOR), ticket())
    assert rules.may_see(actors.teammate(CONFIG, ANN), ticket(department_key="mod"))
    assert rules.may_see(actors.integration("c", "n"), ticket(department_key="elsewhere"))


def test_only_staff_claim_and_write_notes_and_members_choose_no_assignee() -> None:
    staff, teammate = actors.staff_member(CONFIG, STAFF), actors.teammate(CONFIG, ANN)
    for actor in (staff, teammate):
        rules.check_may_claim(actor, ticket())
        rules.ensure_may_write_notes(actor)
        rules.ensure_may_choose_assignee(actor)
    with pytest.raises(NotStaff):
        rules.check_may_claim(actors.integration("client", "Web form"), ticket())
    with pytest.raises(TeammateReadOnly):
        rules.check_may_claim(actors.teammate(CONFIG, RITA), ticket())
    with pytest.raises(UnknownReplyAuthor):
        rules.ensure_may_write_notes(actors.member(CONFIG, AUTHOR))
    with pytest.raises(NotStaff):
        rules.ensure_may_choose_assignee(actors.member(CONFIG, AUTHOR))


def test_workspace_setup_is_for_the_operator_integrations_and_admins() -> None:
    admin = actors.teammate(CONFIG, dataclasses.replace(ANN, role="admin"))
    for actor in (actors.SYSTEM, actors.integration("client", "Web form"), admin):
        access.ensure_may_configure(actor)
    for actor in (actors.teammate(CONFIG, ANN), actors.staff_member(CONFIG, STAFF)):
        with pytest.raises(NotAllowed):
            access.ensure_may_configure(actor)
    access.ensure_operator(actors.SYSTEM)
    with pytest.raises(NotAllowed):
        access.ensure_operator(admin)
