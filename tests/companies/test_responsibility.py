"""DESIGN §5: the responsible administration follows from the business address — postal code →
Verbandsgemeinde, else the Kreis; outside the region a clear answer and nothing stored."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from servicekonto.companies import service
from servicekonto.companies.errors import OutsideRegion, ResponsibilityUnclear
from servicekonto.companies.responsibility import responsible_administration
from servicekonto.db.models import Administration, Organisation
from servicekonto.web.company_texts import company_message
from tests.companies.factories import form, person


@pytest.mark.parametrize(
    ("postal_code", "slug"),
    [
        ("56812", "vg-cochem"),
        ("56759", "vg-kaisersesch"),
        ("56766", "vg-ulmen"),
        ("56856", "vg-zell"),
        # 56826 is listed by VG Cochem and VG Ulmen: the postal code cannot tell, the Kreis can
        ("56826", "kv-cochem-zell"),
    ],
)
def test_the_postal_code_names_the_verbandsgemeinde_else_the_kreis(
    sessions: sessionmaker[Session], region: dict[str, str], postal_code: str, slug: str
) -> None:
    with sessions() as db:
        found = responsible_administration(db, postal_code=postal_code)
    assert (found.slug, found.administration_id) == (slug, region[slug])


def test_a_postal_code_the_kreis_lists_itself_is_the_kreis(
    sessions: sessionmaker[Session], region: dict[str, str]
) -> None:
    with sessions() as db:
        kreis = db.get(Administration, region["kv-cochem-zell"])
        assert kreis is not None
        kreis.postal_codes = ["56999"]
        db.commit()
        assert responsible_administration(db, postal_code="56999").slug == "kv-cochem-zell"


@pytest.mark.parametrize("postal_code", ["10117", "56068", "00000"])
def test_an_address_outside_the_region_gets_a_clear_answer_and_nothing_is_stored(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime, postal_code: str
) -> None:
    applicant = person(sessions, now)
    with sessions() as db, pytest.raises(OutsideRegion) as raised:
        service.create_draft(db, applicant_id=applicant, form=form(postal_code=postal_code),
                             now=now)
    assert raised.value.status == 422 and raised.value.code == "outside_region"
    assert "outside the region" in raised.value.description
    assert "außerhalb des Landkreises Cochem-Zell" in company_message("de", raised.value.code)
    with sessions() as db:
        assert db.scalar(select(func.count()).select_from(Organisation)) == 0


def test_administrations_without_a_common_superior_are_unclear(
    sessions: sessionmaker[Session], region: dict[str, str]
) -> None:
    with sessions() as db:
        db.add(Administration(slug="vg-elsewhere", name="Anderswo", kind="verbandsgemeinde",
                              postal_codes=["56812"], address_lines=[]))
        db.commit()
        with pytest.raises(ResponsibilityUnclear):
            responsible_administration(db, postal_code="56812")


def test_an_address_moved_by_the_applicant_moves_the_application(
    sessions: sessionmaker[Session], region: dict[str, str], now: datetime
) -> None:
    applicant = person(sessions, now)
    with sessions() as db:
        created = service.create_draft(db, applicant_id=applicant, form=form(), now=now)
        moved = service.update_draft(
            db, applicant_id=applicant, organisation_id=created.id,
            form=form(postal_code="56856", locality="Zell (Mosel)"), now=now,
        )
        db.commit()
    assert created.administration_id == region["vg-cochem"]
    assert moved.administration_id == region["vg-zell"]
