"""A cooperative with a cheque scheme, one partner provider and its user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from coop.auth.models import Person
from coop.cheques import scheme as scheme_service
from coop.cheques.models import ChequeService, Provider
from coop.cooperatives.models import Cooperative

TODAY = date(2026, 11, 20)


@dataclass
class ChequeWorld:
    coop: Cooperative
    provider: Provider
    provider_user: Person
    babysitting: ChequeService
    wellbeing: ChequeService


@pytest.fixture
def world(db, make) -> ChequeWorld:
    coop = make.coop()
    user = make.person(coop, "provider")
    scheme_service.save_scheme(db, coop_id=coop.id, data=scheme_service.SchemeInput(base_quota=4, yearly_cap=40))
    services = {s.code: s for s in scheme_service.list_services(db, coop_id=coop.id)}
    provider = scheme_service.save_provider(db, coop_id=coop.id, provider_id=None, name="Baby Help asbl",
                                            service_ids={services["babysitting"].id}, person_ids={user.id})
    db.commit()
    return ChequeWorld(coop=coop, provider=provider, provider_user=user, babysitting=services["babysitting"],
                       wellbeing=services["wellbeing"])
