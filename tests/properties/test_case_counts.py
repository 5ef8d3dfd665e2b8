"""The board's case counts are kept by the database: after every kind of change they equal the cases counted
one by one, on SQLite and PostgreSQL alike."""

from sqlalchemy import delete, select, update

from housing.extensions import db
from housing.properties import services
from housing.properties.counts import CaseCount, board_sums, counted_directly
from housing.properties.models import CaseStatus, Priority, Property, SocialArea


def table() -> dict[tuple[str, int, int], int]:
    return {(c.status, c.social_area_id, c.priority): c.cases
            for c in db.session.scalars(select(CaseCount).where(CaseCount.cases != 0))}


def area(slug) -> int:
    return db.session.scalar(select(SocialArea.id).where(SocialArea.slug == slug))


def case(officer, number, social_area="nordmarkt", priority="medium", problem=True):
    return services.create_property({"street": "Zählstraße", "house_number": str(number), "postcode": "44147",
                                     "social_area": social_area, "priority": priority, "problem_case": problem},
                                    actor=officer)


def test_the_counts_follow_every_change_of_a_case(officer):
    assert table() == counted_directly()
    cases = [case(officer, n, social_area=("nordmarkt", "hafen")[n % 2], priority=("low", "high")[n % 3 == 0])
             for n in range(6)]
    ordinary = case(officer, 99, problem=False)
    db.session.flush()
    assert table() == counted_directly() and sum(table().values()) >= 6

    services.transition(cases[0], "registered", actor=officer)                   # the status
    services.update_property(cases[1], {"priority": "highest"}, actor=officer)   # the priority
    services.update_property(cases[2], {"social_area": "borsigplatz"}, actor=officer)  # the social area
    services.transition(cases[3], "delisted", actor=officer, reason="kein Problemfall mehr")  # an exit
    db.session.execute(update(Property).where(Property.id == cases[4].id).values(is_problem_case=False))
    db.session.execute(update(Property).where(Property.id == ordinary.id).values(is_problem_case=True,
                                                                                  status=CaseStatus.REPORTED))
    db.session.execute(delete(Property).where(Property.id == cases[5].id))
    db.session.flush()

    assert table() == counted_directly()


def test_the_board_sums_the_counts_of_one_area_or_all(officer):
    for n in range(3):
        case(officer, n, social_area="hafen", priority="high")
    case(officer, 10, social_area="nordmarkt")
    db.session.flush()
    hafen = area("hafen")

    by_area, by_priority = board_sums(hafen)
    assert {area_id for _status, area_id in by_area} == {hafen}
    assert sum(by_area.values()) == sum(by_priority.values()) == counted_total(hafen)
    assert by_area[CaseStatus.REPORTED, hafen] >= 3 and by_priority[CaseStatus.REPORTED, Priority.HIGH] >= 3
    by_area, by_priority = board_sums()
    assert sum(by_area.values()) == sum(by_priority.values()) == counted_total()
    for (status, area_id), n in by_area.items():
        assert n == sum(cases for (s, a, _p), cases in counted_directly().items() if s == status and a == area_id)


def counted_total(area_id=None) -> int:
    return sum(n for (_s, a, _p), n in counted_directly().items() if area_id is None or a == area_id)


def test_the_board_of_one_social_area(officer_client, officer):
    for n in range(3):
        case(officer, n, social_area="hafen", priority="high")
    case(officer, 10, social_area="nordmarkt")
    db.session.commit()

    page = officer_client.get("/cases/board?social_area=hafen").get_data(as_text=True)

    assert f"{counted_total(area('hafen'))} Fälle in Hafen, nach Verfahrensstand" in page
    assert "social_area=nordmarkt" not in page
    assert "/cases?status=reported&amp;priority=high&amp;social_area=hafen" in page
    everywhere = officer_client.get("/cases/board").get_data(as_text=True)
    assert f"{counted_total()} Fälle insgesamt" in everywhere
    assert "/cases?status=reported&amp;social_area=nordmarkt" in everywhere
