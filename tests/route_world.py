"""One app with one user of each kind and real objects, for tests that walk every route.

Built once per module (signing in costs a password hash per user): the access matrix and the
fuzzing of the routes both need every role signed in and every URL parameter filled with
something that exists — a record of agency A and one of agency B, a card, a language with an
accepted and a refused upload.
"""

import io
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import request_started
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from pcn_pwa.accompaniments import cards
from pcn_pwa.extensions import db
from pcn_pwa.models import Language, SignIn, User
from pcn_pwa.seed import seed_reference

from .conftest import PASSWORD, _fresh_request_globals, cheap_password_hash, make_app
from .records_data import record

CORPUS = Path(__file__).resolve().parent / "po_corpus"
AGENCY_A, AGENCY_B = "TADINE", "KONE"

# Who is asked: nobody, and one user of every role; advisors and managers of two agencies, so
# that reaching into the other agency is tried; the translator is assigned the world's language.
USERS = {
    "advisor_a": ("advisor", AGENCY_A, None),
    "advisor_b": ("advisor", AGENCY_B, None),
    "manager_a": ("manager", AGENCY_A, None),
    "manager_b": ("manager", AGENCY_B, None),
    "coordinator": ("coordinator", None, None),
    "partner": ("partner", None, "CAFAT"),
    "admin": ("admin", None, None),
    "translator": ("translator", None, None),  # of the world's language (dhv) only
}
WHO = ["anonymous", *USERS]


@dataclass
class World:
    app: object
    clients: dict = field(default_factory=dict)  # who -> test client (anonymous has none signed in)
    users: dict = field(default_factory=dict)
    record_a: str = ""  # a record of agency A, with a card
    record_b: str = ""  # a record of agency B
    card: str = ""
    language: str = "dhv"
    accepted_catalogue: int = 0
    refused_catalogue: int = 0
    idle_user: int = 0  # an account with no open sign-in: ending its sign-ins changes nothing
    ended_sign_in: int = 0  # a sign-in of advisor A, already ended

    def client_of(self, who: str):
        return self.clients[who]

    def fresh_client(self, who: str):
        """A new client signed in as ``who`` (a sign-in of its own): signing it out, which ends
        its sign-in on the server, leaves the others signed in."""
        client = self.app.test_client()
        if who != "anonymous":
            response = client.post("/login", data={"username": self.users[who].username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client


def _upload(client, code: str, data: bytes) -> int:
    boundary, body = encode_multipart({"po_file": FileStorage(io.BytesIO(data), "messages.po")})
    response = client.post(f"/admin/langues/{code}/catalogues", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def build_world(tmp_dir, **config):
    """Yield a World inside its app context; the database is emptied afterwards."""
    app = make_app(tmp_dir, **config)
    request_started.connect(_fresh_request_globals, app)
    with app.app_context():
        db.drop_all()
        db.create_all()
        seed_reference()
        world = World(app)
        world.clients["anonymous"] = app.test_client()
        for who, (role, agency, partner) in USERS.items():
            user = User(username=who.replace("_", "-"), display_name=who, role=role, agency_code=agency,
                        partner_code=partner, active=True)
            user.password_hash = cheap_password_hash()  # a real hash costs 0.2 s a sign-in
            db.session.add(user)
            db.session.commit()
            client = app.test_client()
            response = client.post("/login", data={"username": user.username, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            world.clients[who], world.users[who] = client, user
        world.users["translator"].languages = [db.session.get(Language, world.language)]
        db.session.commit()
        idle = User(username="idle", display_name="idle", role="advisor", agency_code=AGENCY_A, active=False)
        idle.password_hash = cheap_password_hash()
        db.session.add(idle)
        db.session.commit()
        world.idle_user = idle.id
        world.fresh_client("advisor_a").post("/logout")
        world.ended_sign_in = db.session.scalar(
            sa.select(SignIn.id).where(SignIn.user_id == world.users["advisor_a"].id, SignIn.ended_at.is_not(None)))
        world.card = cards.new_code()
        world.record_a, world.record_b = str(uuid.uuid4()), str(uuid.uuid4())
        for who, record_id, agency, card in [("advisor_a", world.record_a, AGENCY_A, world.card),
                                             ("advisor_b", world.record_b, AGENCY_B, None)]:
            data = record(agency=agency, beneficiary__card=card)
            response = world.clients[who].post("/api/v1/sync", json={"records": [{"id": record_id, "data": data}]})
            assert response.json["results"][0]["status"] == "created", response.json
        admin = world.clients["admin"]
        world.accepted_catalogue = _upload(admin, world.language, (CORPUS / "accepted_dhv.po").read_bytes())
        world.refused_catalogue = _upload(admin, world.language, (CORPUS / "binary.po").read_bytes())
        try:
            yield world
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
