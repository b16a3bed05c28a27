"""Load reference data and demo data. Both are idempotent: a second run changes nothing."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from . import reference
from .extensions import db
from .models import Accompaniment, Agency, Commune, Language, Partner, Procedure, Topic, User

NOUMEA = ZoneInfo("Pacific/Noumea")
DEMO_PASSWORD = "demo-pcn-2026"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, what: str, count: int) -> None:
        self.created[what] = self.created.get(what, 0) + count

    def __str__(self) -> str:
        parts = [f"{what}: {count}" for what, count in self.created.items() if count]
        return ", ".join(parts) if parts else "nothing new"


def _insert_missing(model, rows: list[dict], report: SeedReport, what: str) -> None:
    """Insert rows whose code is not there yet; existing rows (maybe edited by an admin) are kept."""
    existing = set(db.session.scalars(sa.select(model.code)))
    new = [model(**row) for row in rows if row["code"] not in existing]
    db.session.add_all(new)
    report.add(what, len(new))


def seed_reference() -> SeedReport:
    """Communes, the six pilot agencies, partners, their procedures, the topics and the languages."""
    report = SeedReport()
    _insert_missing(
        Commune, [dict(code=c, name=n, province=p) for c, n, p in reference.COMMUNES], report, "communes"
    )
    db.session.flush()
    _insert_missing(
        Agency,
        [dict(code=c, name=n, commune_code=m, province=p) for c, n, m, p in reference.AGENCIES],
        report,
        "agencies",
    )
    _insert_missing(
        Partner,
        [dict(code=c, name=n, position=i) for i, (c, n) in enumerate(reference.PARTNERS)],
        report,
        "partners",
    )
    db.session.flush()
    _insert_missing(
        Procedure,
        [dict(code=c, partner_code=p, label=l, position=i) for i, (c, p, l) in enumerate(reference.PROCEDURES)],
        report,
        "procedures",
    )
    _insert_missing(
        Topic, [dict(code=c, label=l, position=i) for i, (c, l) in enumerate(reference.TOPICS)], report, "topics"
    )
    _insert_missing(
        Language,
        [dict(code=c, native_name=n, french_name=f, enabled=e) for c, n, f, e in reference.LANGUAGES],
        report,
        "languages",
    )
    db.session.commit()
    return report


# One demo account per role, plus an advisor in each pilot agency.
DEMO_USERS = [
    ("conseiller", "Conseillère de démonstration (Tadine)", "advisor", "TADINE", None),
    ("responsable", "Responsable de démonstration (Tadine)", "manager", "TADINE", None),
    ("partenaire", "Partenaire de démonstration (Cafat)", "partner", None, "CAFAT"),
    ("coordination", "Coordination de démonstration", "coordinator", None, None),
    ("admin", "Administrateur de démonstration", "admin", None, None),
] + [
    (f"conseiller.{code.lower()}", f"Conseiller de démonstration ({name})", "advisor", code, None)
    for code, name, _commune, _province in reference.AGENCIES
    if code != "TADINE"
]

# Average accompaniments on a working day, by agency.
DEMO_DAILY_VOLUME = {"TONTOUTA": 9, "BOURAIL": 6, "YATE": 3, "KOUMAC": 6, "KONE": 8, "TADINE": 4}


def seed_demo_users(report: SeedReport) -> dict[str, User]:
    existing = {u.username: u for u in db.session.scalars(sa.select(User))}
    password_hash = None  # one hash for all: they share one public password, and each costs 0.1 s
    for username, name, role, agency, partner in DEMO_USERS:
        if username in existing:
            continue
        user = User(username=username, display_name=name, role=role, agency_code=agency, partner_code=partner)
        if password_hash is None:
            user.set_password(DEMO_PASSWORD)
            password_hash = user.password_hash
        user.password_hash = password_hash
        db.session.add(user)
        existing[username] = user
        report.add("demo users", 1)
    db.session.flush()
    return existing


def seed_demo(now: datetime | None = None, days: int = 91) -> SeedReport:
    """Demo users and about three months of varied accompaniments across the six agencies.

    Ids come from a fixed random seed and the records are written only once, so a second
    run finds them and writes nothing.
    """
    report = seed_reference()
    users = seed_demo_users(report)
    advisors = {u.agency_code: u for u in users.values() if u.role == "advisor" and u.username.startswith("conseiller")}
    demo_ids = [u.id for u in users.values() if u.username in {d[0] for d in DEMO_USERS}]
    already = db.session.scalar(
        sa.select(sa.func.count()).select_from(Accompaniment).where(Accompaniment.created_by_id.in_(demo_ids))
    )
    if not already:
        now = now or datetime.now(timezone.utc)
        generator = DemoGenerator(random.Random(2026), advisors)
        report.add("demo accompaniments", write_demo_records(generator.records(now, days), advisors, now))
    db.session.commit()
    from .accompaniments import store

    store.fold_all()
    return report


def write_demo_records(records: list[DemoRecord], advisors: dict[str, User], now: datetime) -> int:
    """Judge the demo records like any other and write them through the store, each by its
    agency's advisor: demo data follow the same rules as an advisor's."""
    from .accompaniments.judge import Reference, judge
    from .accompaniments.store import Writer

    reference = Reference.load()
    writers: dict[str, Writer] = {}
    for demo in records:
        judgement = judge(demo.data, reference, now=now)
        if not judgement.valid:
            raise ValueError(f"demo record {demo.id} breaks the rules: {judgement.errors}")
        advisor = advisors[demo.data["agency"]]
        writer = writers.setdefault(advisor.username, Writer(advisor, now=now))
        writer.create(judgement.clean, demo.id, made_at=demo.made_at, received_at=demo.received_at)
    for writer in writers.values():
        writer.flush()
    return len(records)


@dataclass
class DemoRecord:
    """A demo accompaniment as a tablet would send it, with when it was made and received."""

    id: uuid.UUID
    data: dict
    made_at: datetime
    received_at: datetime


class DemoGenerator:
    """Plausible accompaniments: mostly individual help with partner procedures, autonomy that grows."""

    KINDS = [("individual", 70), ("quick_help", 18), ("free_access", 8), ("workshop", 4)]
    AGE_BANDS = [("lt18", 3), ("18_24", 10), ("25_39", 18), ("40_59", 27), ("60_69", 20), ("70_plus", 15), ("unknown", 7)]
    STATUSES = [("employed", 20), ("job_seeker", 22), ("retired", 30), ("student", 6), ("other", 12), ("unknown", 10)]
    AUTONOMY = [("done_by_advisor", 20), ("guided", 40), ("partly_autonomous", 28), ("autonomous", 12)]
    OUTCOMES = [("completed", 62), ("to_finish_alone", 12), ("must_return", 14), ("redirected", 7), ("not_possible", 5)]
    EQUIPMENT = [("agency_computer", 35), ("agency_tablet", 15), ("own_phone", 40), ("own_computer", 5), ("own_tablet", 5)]
    BLOCKERS = ["missing_document", "no_email", "lost_credentials", "service_unavailable", "network_down", "language"]
    WORKSHOPS = [
        ("Premiers pas avec le smartphone", "beginner", ["DEVICE"]),
        ("Créer et utiliser sa messagerie", "beginner", ["EMAIL"]),
        ("Se protéger des arnaques en ligne", "intermediate", ["ONLINE_SAFETY"]),
        ("Mes démarches Cafat en ligne", "intermediate", ["ADMIN_PROCEDURES"]),
    ]

    def __init__(self, rng: random.Random, advisors: dict[str, User]):
        self.rng = rng
        self.advisors = advisors
        self.procedures = list(db.session.scalars(sa.select(Procedure).order_by(Procedure.code)))
        self.topics = list(db.session.scalars(sa.select(Topic.code).order_by(Topic.code)))
        self.agencies = {a.code: a for a in db.session.scalars(sa.select(Agency))}
        communes = list(db.session.scalars(sa.select(Commune.code).order_by(Commune.code)))
        self.communes = communes

    def pick(self, weighted):
        values, weights = zip(*weighted)
        return self.rng.choices(values, weights)[0]

    def records(self, now: datetime, days: int) -> list[DemoRecord]:
        today = now.astimezone(NOUMEA).date()
        made = []
        for back in range(days, -1, -1):
            day = today - timedelta(days=back)
            if day.weekday() == 6:  # agencies are closed on Sundays
                continue
            for agency_code, volume in DEMO_DAILY_VOLUME.items():
                if agency_code not in self.agencies:
                    continue
                count = self.rng.randint(0, volume * 2) if day.weekday() < 5 else self.rng.randint(0, volume // 2)
                for _ in range(count):
                    start = time(7, 30) if day.weekday() < 5 else time(8, 0)
                    minutes = self.rng.randint(0, 7 * 60 if day.weekday() < 5 else 3 * 60)
                    local = datetime.combine(day, start, tzinfo=NOUMEA) + timedelta(minutes=minutes)
                    if local > now:
                        continue
                    made.append(self.record(agency_code, local))
        return made

    def record(self, agency_code: str, local: datetime) -> DemoRecord:
        """One accompaniment, in the contract's shape (``data``)."""
        rng = self.rng
        record_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        kind = self.pick(self.KINDS)
        agency = self.agencies[agency_code]
        received = local.astimezone(timezone.utc) + timedelta(minutes=rng.randint(1, 600))
        data = {
            "agency": agency_code,
            "kind": kind,
            "occurred_at": local.isoformat(),
            "beneficiary": {
                "age_band": self.pick(self.AGE_BANDS),
                "gender": self.pick([("f", 55), ("m", 40), ("unknown", 5)]),
                "status": self.pick(self.STATUSES),
                "situations": [s for s, p in [("social_difficulty", 0.2), ("disability", 0.05),
                                              ("no_computer_at_home", 0.45), ("no_internet_at_home", 0.3)]
                               if rng.random() < p],
                "commune": agency.commune_code if rng.random() < 0.8 else rng.choice(self.communes),
                "returning": rng.random() < 0.45,
            },
            "equipment": [self.pick(self.EQUIPMENT)],
        }
        demo = DemoRecord(record_id, data, local.astimezone(timezone.utc), received)
        if kind == "workshop":
            title, level, topics = rng.choice(self.WORKSHOPS)
            data.update(workshop_title=title, workshop_level=level, participants=rng.randint(3, 10),
                        duration_minutes=rng.choice([60, 90, 120]), topics=topics, equipment=["agency_tablet"])
            return demo
        if kind == "free_access":
            data.update(duration_minutes=rng.choice([15, 30, 45, 60]), equipment=["agency_computer"],
                        topics=[rng.choice(["BROWSING", "JOB_SEARCH", "DOCUMENTS", "OFFICE"])])
            return demo
        procedure = rng.choice(self.procedures)
        data.update(procedures=[procedure.code], partners=[procedure.partner_code])
        if rng.random() < 0.4:
            data["topics"] = [rng.choice(self.topics)]
        if kind == "quick_help":
            data["duration_minutes"] = rng.choice([5, 5, 15])
            return demo
        data.update(duration_minutes=rng.choice([15, 30, 30, 45, 60, 90]), autonomy=self.pick(self.AUTONOMY),
                    outcome=self.pick(self.OUTCOMES))
        if data["outcome"] in ("must_return", "not_possible", "to_finish_alone") and rng.random() < 0.7:
            data["blockers"] = [rng.choice(self.BLOCKERS)]
        if data["outcome"] == "redirected":
            data["redirected_to"] = rng.choice([procedure.partner_code, "social_services", "town_hall"])
        return demo
