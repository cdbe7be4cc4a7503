"""PostgreSQL: two requests creating the same site or caregiver profile at the same instant
both pass the service's duplicate check; the second insert then meets the unique constraint
and must be answered with the same clear error as the check gives, never a server error."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session, func, select

from coop import create_app
from coop.auth.service import add_membership, create_person
from coop.caregivers.models import CaregiverProfile
from coop.caregivers.service import CaregiverInput, save_caregiver
from coop.cooperatives.models import Site
from coop.cooperatives.service import create_cooperative, save_site
from coop.errors import DomainError
from coop.models import metadata
from tests.conftest import PASSWORD, make_settings

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def database(pg_url_factory, tmp_path):
    application = create_app(make_settings(pg_url_factory(), tmp_path))
    db = application.extensions["coop.db"]
    metadata.create_all(db.engine)
    yield db
    db.dispose()


def race(database, create: Callable[[Session], object]) -> DomainError:
    """The first creation is flushed but not committed while the second runs its check and
    insert in another connection; the first then commits. Returns the second one's error."""
    first = database.session()
    create(first)
    outcome: dict[str, object] = {}

    def second() -> None:
        session = database.session()
        try:
            create(session)
            session.commit()
            outcome["result"] = "created"
        except DomainError as error:
            outcome["result"] = error
        finally:
            session.rollback()
            session.close()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive(), "the second insert should wait for the first transaction"
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert isinstance(outcome["result"], DomainError), outcome
    return outcome["result"]


def test_a_second_site_with_the_same_name_at_the_same_instant_is_refused_clearly(database):
    with database.scope() as s:
        coop_id = create_cooperative(s, slug="race", name="Race").id

    error = race(database, lambda s: save_site(s, coop_id=coop_id, site_id=None, name="Maison", address="Rue Haute 1",
                                                capacity=5, beds=0))

    assert error.status == 422 and set(error.fields) == {"name"}
    with database.scope(write=False) as s:
        assert s.exec(select(func.count()).select_from(Site)).one() == 1


def test_a_second_profile_for_the_same_person_at_the_same_instant_is_refused_clearly(database):
    with database.scope() as s:
        coop_id = create_cooperative(s, slug="race", name="Race").id
        person = create_person(s, email="staff@example.be", display_name="Staff", password=PASSWORD)
        add_membership(s, coop_id=coop_id, person_id=person.id, role="staff")
        person_id = person.id

    error = race(database, lambda s: save_caregiver(s, coop_id=coop_id, caregiver_id=None, actor_id=None,
                                                    data=CaregiverInput(person_id=person_id, kind="staff",
                                                                        contract_minutes_per_week=600)))

    assert error.status == 409 and error.code == "duplicate_caregiver" and set(error.fields) == {"person_id"}
    with database.scope(write=False) as s:
        assert s.exec(select(func.count()).select_from(CaregiverProfile)).one() == 1
