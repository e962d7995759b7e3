"""The life cycle of an organisation (issue 12 item 1; DESIGN §5 "Company registration").

| action | by | from | to |
|---|---|---|---|
| submit | applicant | draft | submitted |
| start_review | officer | submitted | in_review |
| request_info | officer, with reason | submitted, in_review | info_requested |
| supplement | applicant (answer or new document) | info_requested | submitted |
| first_approval | officer, four-eyes on | submitted, in_review | in_review |
| approve | officer (four-eyes: another than the first) | submitted, in_review | approved |
| reject | officer, with reason | submitted, in_review | rejected (final) |
| activate | applicant, with the letter's code | approved | activated |
| suspend | supervisor, with reason | activated | suspended |
| reinstate | supervisor, with reason | suspended | activated |
| close | supervisor, with reason | approved, activated, suspended | closed (final) |
| block | letter recipient, with the Widerrufscode | approved | closed (final) |

Every move is one conditional UPDATE on (id, state), so of two people acting at once exactly one
succeeds (`companies.service`). This module only says which moves exist.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class State(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    INFO_REQUESTED = "info_requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ACTIVATED = "activated"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class Action(StrEnum):
    #: Applicant: the application goes to the Registrierungsstelle.
    SUBMIT = "submit"
    #: Officer: takes the application into review (others see it is being worked on).
    START_REVIEW = "start_review"
    #: Officer: asks the applicant for more information or documents, with a reason.
    REQUEST_INFO = "request_info"
    #: Applicant: answers or adds documents after a request; back to the queue.
    SUPPLEMENT = "supplement"
    #: Officer, four-eyes on: the first of two approvals; the state stays in_review.
    FIRST_APPROVAL = "first_approval"
    APPROVE = "approve"
    REJECT = "reject"
    #: Applicant, with the activation letter's code: becomes the first administrator.
    ACTIVATE = "activate"
    #: Supervisor: stops every use for the organisation for now (abuse, doubts).
    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    #: Supervisor: for good (deleted from the register, given up).
    CLOSE = "close"
    #: A recipient of the activation letter who did not apply, with its Widerrufscode.
    BLOCK = "block"


_REVIEWABLE: Final = frozenset({State.SUBMITTED, State.IN_REVIEW})

#: action → (states it may start from, state it leads to)
TRANSITIONS: Final[dict[Action, tuple[frozenset[State], State]]] = {
    Action.SUBMIT: (frozenset({State.DRAFT}), State.SUBMITTED),
    Action.START_REVIEW: (frozenset({State.SUBMITTED}), State.IN_REVIEW),
    Action.REQUEST_INFO: (_REVIEWABLE, State.INFO_REQUESTED),
    Action.SUPPLEMENT: (frozenset({State.INFO_REQUESTED}), State.SUBMITTED),
    Action.FIRST_APPROVAL: (_REVIEWABLE, State.IN_REVIEW),
    Action.APPROVE: (_REVIEWABLE, State.APPROVED),
    Action.REJECT: (_REVIEWABLE, State.REJECTED),
    Action.ACTIVATE: (frozenset({State.APPROVED}), State.ACTIVATED),
    Action.SUSPEND: (frozenset({State.ACTIVATED}), State.SUSPENDED),
    Action.REINSTATE: (frozenset({State.SUSPENDED}), State.ACTIVATED),
    Action.CLOSE: (frozenset({State.APPROVED, State.ACTIVATED, State.SUSPENDED}), State.CLOSED),
    Action.BLOCK: (frozenset({State.APPROVED}), State.CLOSED),
}

#: States in which the organisation holds its register entry (`organisations.register_key`):
#: from submission until it is rejected or closed. A draft holds nothing, so nobody can block a
#: real company's entry by starting an application and leaving it.
LIVE: Final = frozenset(
    {
        State.SUBMITTED,
        State.IN_REVIEW,
        State.INFO_REQUESTED,
        State.APPROVED,
        State.ACTIVATED,
        State.SUSPENDED,
    }
)
#: States in which the applicant may change the data and add documents.
EDITABLE: Final = frozenset({State.DRAFT, State.INFO_REQUESTED})
#: States waiting for the Registrierungsstelle (the default review queue).
AWAITING_STAFF: Final = _REVIEWABLE
#: Applications not yet decided (the cap on open applications per applicant counts these).
OPEN: Final = frozenset({State.DRAFT, State.SUBMITTED, State.IN_REVIEW, State.INFO_REQUESTED})
FINAL: Final = frozenset({State.REJECTED, State.CLOSED})


def can(action: Action, state: str) -> bool:
    """Whether `action` may start from `state`."""
    sources, _target = TRANSITIONS[action]
    return state in sources


def target(action: Action) -> State:
    return TRANSITIONS[action][1]
