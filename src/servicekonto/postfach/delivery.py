"""When a notice counts as delivered (Bekanntgabefiktion; issue 13 item 1, "delivery fiction").

Rule: an electronic administrative act made available for retrieval in a Postfach counts as
delivered on the fourth day after it was provided (§ 9 Abs. 1 Satz 4 OZG; egov-domain §4.3;
the same four days as § 41 Abs. 2a VwVfG). No consent of the person to electronic delivery is
needed for it (§ 9 Abs. 1 Satz 3 OZG).

What is computed: the calendar day in Germany (Europe/Berlin) on which the message was provided,
plus four days. A message provided on Monday 23:30 Berlin time counts as delivered on Friday;
the UTC date would be the same Monday here, but one provided at 00:30 Berlin time on Tuesday
(still Monday in UTC) counts from Tuesday. The time comes from the injected Clock (the deposit's
`now`). Not applied: moving a day that falls on a weekend or public holiday to the next working
day (whether § 31 Abs. 3 VwVfG applies to the fiction is disputed, and the holidays differ per
Land); the page shows the date as computed here with the rule's source.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

GERMANY = ZoneInfo("Europe/Berlin")
#: § 9 Abs. 1 Satz 4 OZG: the fourth day after provision.
FICTION_DAYS = 4
#: The rule's source, for pages and exports that show the date.
SOURCE = "§ 9 Abs. 1 Satz 4 OZG"


def delivered_counts_at(provided_at: datetime) -> date:
    """The day the message counts as delivered (module doc); `provided_at` is timezone-aware."""
    if provided_at.tzinfo is None:
        raise ValueError("provided_at must be timezone-aware (use the Clock)")
    return provided_at.astimezone(GERMANY).date() + timedelta(days=FICTION_DAYS)
