"""A realistic, deterministic demo: two Brussels cooperatives sharing flying professionals.

Marolles (French): 40 households, a third single-parent, 60 children aged 0-12 (a few with
inclusive-care needs), 5 paid staff, 3 flying professionals, 2 sites. Schaerbeek (Dutch): a
smaller cooperative that shares the same flying professionals.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from sqlmodel import Session, col, select

from coop.auth.models import Person
from coop.auth.passwords import hash_password
from coop.bookings.service import book
from coop.bookings.times import to_utc, week_start
from coop.caregivers.models import AvailabilityWindow, CaregiverProfile
from coop.cheques.allocation import allocate_households
from coop.cheques.scheme import ensure_standard_services, list_services, save_provider
from coop.clock import local_today, utcnow
from coop.cooperatives.models import Cooperative, Site
from coop.credits.scale import BandInput, save_scale
from coop.db import Database
from coop.errors import DomainError
from coop.governance.service import ProposalInput, cast_vote, propose
from coop.members.models import Child, Household, Membership, PickupPerson
from coop.rosters.runs import enqueue, execute
from coop.rosters.service import current_rosters, publish
from coop.rosters.templates import seed_defaults
from coop.rosters.weeks import format_week

DEMO_PASSWORD = "cooparentive-demo"
DEMO_LOGINS = (
    ("coordinator@demo.coop", "coordinator"),
    ("parent@demo.coop", "parent"),
    ("staff@demo.coop", "paid staff"),
    ("provider@demo.coop", "provider"),
)
FIRST_NAMES = ["Amina", "Lucas", "Sofia", "Youssef", "Emma", "Noah", "Fatima", "Louis", "Ines", "Arthur",
               "Nour", "Jules", "Lina", "Adam", "Olivia", "Mohamed", "Lea", "Victor", "Sara", "Elias",
               "Maria", "Tom", "Aya", "Gabriel", "Zoe", "Rayan", "Chloe", "Hugo", "Salma", "Milan"]
# Staff and professionals carry family names no demo household has, so nobody looks like two people.
STAFF_NAMES = ["Nadia Bouzid", "Pieter Verbruggen", "Claire Fontaine", "Samir Tahiri", "Els Van Damme"]
SCHAERBEEK_STAFF_NAMES = ["Lotte Desmedt", "Youssef Amrani"]
PROFESSIONAL_NAMES = ["Hanne Vos", "Karim Mansouri", "Sophie Renard"]
FAMILY_NAMES = ["Janssens", "El Amrani", "Peeters", "Dubois", "Nowak", "Diallo", "Lambert", "Maes",
                "Benali", "Martin", "Claes", "Popescu", "Goossens", "Mertens", "Kabongo", "Leroy",
                "Willems", "Haddad", "Ferreira", "Wouters", "Yilmaz", "Jacobs", "Simon", "Mbeki",
                "Dupont", "Rossi", "Hermans", "Ndiaye", "Lemaire", "Vermeulen", "Kowalski", "Aydin",
                "Michel", "Bah", "Smets", "Garcia", "Laurent", "Ozturk", "De Smet", "Cohen"]
# Net monthly household income bands (Brussels, 2026), each with a minimum pledge of a base plus
# an amount per child, in minutes.
MAROLLES_SCALE = [
    BandInput(code="A", label="Revenus modestes", income_up_to_cents=1_800_00, base_minutes=2 * 60,
              per_child_minutes=60),
    BandInput(code="B", label="Revenus moyens", income_up_to_cents=3_000_00, base_minutes=4 * 60,
              per_child_minutes=60),
    BandInput(code="C", label="Revenus confortables", income_up_to_cents=4_500_00, base_minutes=6 * 60,
              per_child_minutes=2 * 60),
    BandInput(code="D", label="Revenus élevés", income_up_to_cents=None, base_minutes=8 * 60,
              per_child_minutes=2 * 60),
]
STREETS = ["Rue Haute", "Rue Blaes", "Rue des Tanneurs", "Rue de la Prévoyance", "Rue Notre-Seigneur",
           "Rue Saint-Ghislain", "Rue des Capucins", "Rue de la Rasière"]


def _person(session: Session, email: str, name: str, language: str, password_hash: str | None) -> Person:
    person = Person(email=email, display_name=name, language=language, password_hash=password_hash)
    session.add(person)
    session.flush()
    return person


def _member(session: Session, coop: Cooperative, person: Person, role: str, household: Household | None = None) -> None:
    session.add(Membership(coop_id=coop.id, person_id=person.id, role=role,
                           household_id=household.id if household else None))


def _caregiver(session: Session, coop: Cooperative, person: Person, kind: str, rng: random.Random,
               household: Household | None = None, contract_hours: int = 0) -> None:
    profile = CaregiverProfile(
        coop_id=coop.id, person_id=person.id, kind=kind, household_id=household.id if household else None,
        has_first_aid=kind != "volunteer" or rng.random() < 0.5, has_infant_care=rng.random() < 0.4,
        has_inclusive_care=kind == "professional" or rng.random() < 0.15,
        is_night_certified=kind != "volunteer" or rng.random() < 0.2,
        contract_minutes_per_week=contract_hours * 60)
    session.add(profile)
    session.flush()
    if kind == "volunteer":
        # Parents give one to four of the 8-hour slots that suit their family.
        for weekday in sorted(rng.sample(range(7), k=rng.randint(1, 4))):
            start = rng.choice([7 * 60, 15 * 60, 15 * 60, 23 * 60])
            session.add(AvailabilityWindow(caregiver_id=profile.id, weekday=weekday, start_minute=start,
                                           end_minute=start + 8 * 60))
        return
    # Paid staff are free around the clock on their five or six working days; flying
    # professionals cover nights, so every night can have its professional.
    for weekday in sorted(rng.sample(range(7), k=5 if kind == "staff" else 6)):
        start, end = (0, 24 * 60) if kind == "staff" else (23 * 60, 31 * 60)
        session.add(AvailabilityWindow(caregiver_id=profile.id, weekday=weekday, start_minute=start, end_minute=end))


def _households(session: Session, coop: Cooperative, rng: random.Random, count: int, children: int,
                today: date, language: str, email_prefix: str, password_hash: str) -> list[tuple[Household, Person]]:
    out = []
    child_counts = [1] * count
    for _ in range(children - count):
        child_counts[rng.randrange(count)] += 1
    for i in range(count):
        family = FAMILY_NAMES[i % len(FAMILY_NAMES)]
        single = i % 3 == 0
        household = Household(
            coop_id=coop.id, name=family, address=f"{rng.choice(STREETS)} {rng.randint(1, 200)}, 1000 Bruxelles",
            phone=f"+32 4{rng.randint(70, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}",
            is_single_parent=single,
            single_parent_since=today - timedelta(days=rng.randint(60, 1500)) if single else None,
            has_protected_address=i == 7, pledge_minutes=rng.choice([0, 4, 6, 8, 12]) * 60,
            pledge_cents=rng.choice([0, 0, 1000, 2500, 5000]))
        session.add(household)
        session.flush()
        is_demo_parent = i == 0 and email_prefix == "marolles"
        email = "parent@demo.coop" if is_demo_parent else f"{email_prefix}.parent{i + 1:02d}@demo.coop"
        parent = _person(session, email, f"{rng.choice(FIRST_NAMES)} {family}", language,
                         password_hash if is_demo_parent else None)
        _member(session, coop, parent, "parent", household)
        for c in range(child_counts[i]):
            age_days = rng.randint(60, 12 * 365 + 300)
            child = Child(coop_id=coop.id, household_id=household.id, first_name=rng.choice(FIRST_NAMES),
                          last_name=family, birth_date=today - timedelta(days=age_days),
                          needs_inclusive_care=(i + c) % 17 == 5,
                          allergies=rng.choice(["", "", "", "arachides / pinda's", "lactose"]))
            session.add(child)
            session.flush()
            session.add(PickupPerson(child_id=child.id, name=f"{rng.choice(FIRST_NAMES)} {family}",
                                     relation="grand-parent / grootouder"))
            if i == 7:
                session.add(PickupPerson(child_id=child.id, name="Ex-partenaire / ex-partner", is_barred=True))
        out.append((household, parent))
    return out


def _bookings(session: Session, coop: Cooperative, rng: random.Random, today: date, *,
              daytime_only_household_id: int | None) -> None:
    """Two weeks of care ahead: weekday days for many children, some overnight stays. A stay
    the service refuses (site full, child already there) is simply not made, as in real life.

    The demo parent's household gets daytime care only: its evenings stay free for the
    visitor (and the browser test) to book a first overnight stay."""
    sites = session.exec(select(Site).where(Site.coop_id == coop.id).order_by(Site.id)).all()
    children = session.exec(select(Child).where(Child.coop_id == coop.id).order_by(Child.id)).all()
    now = utcnow()
    for offset in range(1, 15):
        day = today + timedelta(days=offset)
        for child in rng.sample(children, k=len(children) // 2):
            overnight = rng.random() < 0.12 and child.household_id != daytime_only_household_id
            start, end = (18 * 60, 24 * 60 + 8 * 60) if overnight else (8 * 60, 17 * 60 + 30)
            if not overnight and day.weekday() >= 5:
                continue
            try:
                book(session, coop_id=coop.id, timezone=coop.timezone, child_id=child.id, site_id=rng.choice(sites).id,
                     start_at=to_utc(day, start, coop.timezone), end_at=to_utc(day, end, coop.timezone),
                     actor_id=None, household_ids=None, now=now)
            except DomainError:
                continue


def _cheques(session: Session, coop: Cooperative, provider: Person, today: date) -> None:
    """The default respite-cheque scheme, one partner provider for every service (the demo
    provider login), and this month's cheques for every household."""
    ensure_standard_services(session, coop_id=coop.id)
    services = {service.id for service in list_services(session, coop_id=coop.id)}
    save_provider(session, coop_id=coop.id, provider_id=None, name="Aide & Répit asbl", service_ids=services,
                  person_ids={provider.id})
    households = session.exec(select(Household.id).where(Household.coop_id == coop.id).order_by(Household.id)).all()
    allocate_households(session, household_ids=list(households), period=today.replace(day=1))


def open_demo_vote(session: Session, *, today: date) -> None:
    """An open vote in Marolles on the single-parent cheque quota, with a few households'
    votes cast, so the decisions page shows a vote under way (the demo parent has not voted
    yet). It would take effect on the first of the month after the vote closes. Members are
    told in their language, so this needs the application (``coop demo`` calls it)."""
    coop = session.exec(select(Cooperative).where(Cooperative.slug == "marolles")).one()
    families = session.exec(select(Household, Person)
                            .join(Membership, col(Membership.household_id) == col(Household.id))
                            .join(Person, col(Person.id) == col(Membership.person_id))
                            .where(Household.coop_id == coop.id, Membership.role == "parent")
                            .order_by(col(Household.id))).all()
    closes_on = today + timedelta(days=10)
    proposal = propose(session, coop=coop, author_id=families[1][1].id, roles={"parent"}, today=today,
                       data=ProposalInput(
        title="Plus de chèques répit pour les familles monoparentales",
        text="Les parents seuls nous disent qu'ils manquent surtout de soirées. Nous proposons de passer leur "
             "quota de deux à trois fois le quota de base.",
        closes_on=closes_on, setting_key="cheque_single_parent", value=300,
        effective_on=date(closes_on.year + closes_on.month // 12, closes_on.month % 12 + 1, 1)))
    for index, choice in enumerate(["yes", "yes", "no", "yes", "abstain", "yes"], start=2):
        household = families[index][0]
        cast_vote(session, coop_id=coop.id, proposal_id=proposal.id, household_id=household.id,
                  voter_households={household.id}, choice=choice, now=utcnow())


def load_demo(session: Session) -> tuple[list[str], bool]:
    """Create the demo cooperatives once; returns their slugs and whether they were created."""
    slugs = ["marolles", "schaerbeek"]
    if session.exec(select(Cooperative).where(Cooperative.slug == slugs[0])).first():
        return slugs, False
    rng = random.Random(2026)
    today = local_today()
    password_hash = hash_password(DEMO_PASSWORD)
    marolles = Cooperative(slug="marolles", name="Cooparentive Marolles", language="fr")
    schaerbeek = Cooperative(slug="schaerbeek", name="Cooparentive Schaerbeek", language="nl")
    session.add_all([marolles, schaerbeek])
    session.flush()
    session.add_all([
        Site(coop_id=marolles.id, name="Maison des Marolles", address="Rue Haute 120, 1000 Bruxelles",
             capacity=24, beds=8),
        Site(coop_id=marolles.id, name="Kinderhuis Anneessens", address="Rue d'Anderlecht 40, 1000 Bruxelles",
             capacity=18, beds=6),
        Site(coop_id=schaerbeek.id, name="Huis Josaphat", address="Rue Royale Sainte-Marie 80, 1030 Schaerbeek",
             capacity=16, beds=6),
    ])
    session.flush()
    for site in session.exec(select(Site).where(col(Site.coop_id).in_([marolles.id, schaerbeek.id]))).all():
        seed_defaults(session, site=site)
    coordinator = _person(session, "coordinator@demo.coop", "Nadia Coordinatrice", "fr", password_hash)
    _member(session, marolles, coordinator, "coordinator")
    _member(session, schaerbeek, coordinator, "coordinator")
    provider = _person(session, "provider@demo.coop", "Aide & Répit asbl", "fr", password_hash)
    _member(session, marolles, provider, "provider")
    families = _households(session, marolles, rng, 40, 60, today, "fr", "marolles", password_hash)
    neighbours = _households(session, schaerbeek, rng, 12, 18, today, "nl", "schaerbeek", password_hash)
    for coop, members in ((marolles, families), (schaerbeek, neighbours)):
        for household, parent in members[::2]:
            _caregiver(session, coop, parent, "volunteer", rng, household=household)
    for i in range(5):
        email = "staff@demo.coop" if i == 0 else f"staff{i + 1}@demo.coop"
        staff = _person(session, email, STAFF_NAMES[i], "fr",
                        password_hash if i == 0 else None)
        _member(session, marolles, staff, "staff")
        _caregiver(session, marolles, staff, "staff", rng, contract_hours=[38, 38, 30, 24, 19][i])
    for i, name in enumerate(SCHAERBEEK_STAFF_NAMES):
        staff = _person(session, f"staff{i + 6}@demo.coop", name, "nl", None)
        _member(session, schaerbeek, staff, "staff")
        _caregiver(session, schaerbeek, staff, "staff", rng, contract_hours=[38, 30][i])
    for i in range(3):
        pro = _person(session, f"pro{i + 1}@demo.coop", PROFESSIONAL_NAMES[i], "nl", None)
        for coop in (marolles, schaerbeek):
            _member(session, coop, pro, "professional")
            _caregiver(session, coop, pro, "professional", rng)
    session.flush()
    _bookings(session, marolles, rng, today, daytime_only_household_id=families[0][0].id)
    _bookings(session, schaerbeek, rng, today, daytime_only_household_id=None)
    _cheques(session, marolles, provider, today)
    save_scale(session, coop_id=marolles.id, bands=MAROLLES_SCALE, actor_id=None)
    return slugs, True


DEMO_SOLVE_SECONDS = 5


def publish_demo_rosters(database: Database, *, today: date, time_limit_s: int = DEMO_SOLVE_SECONDS) -> list[str]:
    """A published roster for this week and the next in each demo cooperative, so a new user
    sees a full grid at once; weeks already published are left as they are. Returns
    "slug week" for each roster published."""
    published = []
    for slug in ("marolles", "schaerbeek"):
        for monday in (week_start(today), week_start(today) + timedelta(days=7)):
            with database.scope() as session:
                coop = session.exec(select(Cooperative).where(Cooperative.slug == slug)).first()
                coordinator = session.exec(select(Person.id).where(Person.email == "coordinator@demo.coop")).first()
                if coop is None or current_rosters(session, coop_id=coop.id, week_start=monday).published:
                    continue
                coop_id = coop.id
                run_id = enqueue(session, coop_id=coop_id, week_start=monday, requested_by_id=coordinator,
                                 time_limit_s=time_limit_s).id
            run = execute(database, run_id)
            if run.status == "done" and run.roster_id is not None:
                with database.scope() as session:
                    publish(session, coop_id=coop_id, roster_id=run.roster_id, actor_id=coordinator)
                published.append(f"{slug} {format_week(monday)}")
    return published
