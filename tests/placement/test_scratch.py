from datetime import timedelta
from decimal import Decimal as D
from sqlalchemy import select
from housing.extensions import db
from housing.placement import matching, services
from housing.placement.models import *
from housing.properties import services as cases
from housing.properties.models import CaseStatus
from housing.renovation.models import ProjectStatus
from housing.renovation.services import hand_over
from .conftest import TODAY, plain
from ..properties.conftest import acquired_case


def test_scratch(make_household, make_flat, advisor, count_queries):
    a = make_household((1, 0)); b = make_household((1, 0))
    v = make_flat(area="50", net="380", charges="150")
    oa = services.propose(a, v, actor=advisor); ob = services.propose(b, v, actor=advisor)
    services.transition_offer(oa, "accepted", actor=advisor)
    print(ob.status, ob.decline_reason, b.status, v.status)
    prop = cases.create_property({"street": "Uhlandstraße", "house_number": "92", "postcode": "44147", "social_area": "hafen"}, actor=advisor)
    acquired_case(prop, advisor)
    project = hand_over(prop, {"starts_on": TODAY - timedelta(days=100), "planned_end_on": TODAY + timedelta(days=10)}, actor=advisor)
    project.status = ProjectStatus.COMPLETED
    u1 = cases.add_unit(prop, {"label": "EG", "area_m2": D("50"), "planned_rent": D("300"), "floor": 0}, actor=advisor)
    u2 = cases.add_unit(prop, {"label": "1. OG", "area_m2": D("60"), "planned_rent": D("350"), "floor": 1}, actor=advisor)
    cases.transition(prop, "in_renovation", actor=advisor)
    cases.transition(prop, "ready_for_letting", actor=advisor)
    vs = services.offer_renovated_units(prop, {}, actor=advisor)
    print([(x.unit.label, x.net_cold_rent, x.service_charges, x.heating_costs, x.rent_capped, x.rent_cap_per_m2, x.landlord.name) for x in vs])
    for x in vs:
        h = make_household((1, 0), wbs_valid_until=TODAY + timedelta(days=300), wbs_persons=1)
        o = services.propose(h, x, actor=advisor)
        services.transition_offer(o, "accepted", actor=advisor)
        services.transition_offer(o, "contract_signed", actor=advisor)
        print(prop.status)
    assert 0
