"""Pages to record, list, correct, delete and restore accompaniments, and follow a card."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..accompaniments import cards, store
from ..accompaniments.fields import KINDS
from ..accompaniments.access import (READER_ROLES, RESTORER_ROLES, WRITER_ROLES, get_readable_or_404, readable,
                                     writable_agencies)
from ..accompaniments.judge import Reference, judge
from ..auth.guard import login_required
from ..extensions import db
from ..forms import typed_int
from ..i18n import _, display_timezone
from ..models import Accompaniment, Agency, User
from . import bp
from ..accompaniments.display import compare, describe
from .forms import AccompanimentForm

PAGE_SIZE = 50


def local_now() -> datetime:
    return datetime.now(display_timezone())


def _agency_for(form: AccompanimentForm, agencies) -> str | None:
    """The agency a new record is for: the user's own, or the one an admin chose."""
    if len(agencies) == 1:
        return agencies[0].code
    return form.agency.data or None


def _judge_form(form: AccompanimentForm, agency_code: str | None, kept: dict | None = None):
    """Turn the form into contract data and judge it; messages land on the form's fields.

    A retired catalogue entry is refused unless the record being corrected (``kept``) cites it."""
    data = form.to_data(agency_code)
    quick_topic = request.form.get("quick_topic")
    if quick_topic:
        # One tap on a topic: a quick question unless another kind was chosen, with the topics
        # already ticked under « Ajouter des détails ».
        data["kind"] = data.get("kind") or "quick_help"
        data["topics"] = list(dict.fromkeys([*data["topics"], quick_topic]))
    judgement = judge(data, Reference.load(), refuse_retired=True, kept=kept)
    form.attach_errors(judgement.errors)
    if agency_code and not current_user.may_write_records_of(agency_code):
        form.form_errors.append(_("Vous ne pouvez enregistrer que pour votre agence."))
    return data, judgement


def _last_record_of(user: User) -> Accompaniment | None:
    return db.session.scalar(
        sa.select(Accompaniment)
        .where(Accompaniment.created_by_id == user.id, ~Accompaniment.deleted)
        .order_by(Accompaniment.created_at.desc())
        .limit(1)
    )


@bp.route("/nouveau", methods=["GET", "POST"])
@login_required(*WRITER_ROLES)
def new():
    """Record an accompaniment: kind first, then only what that kind needs."""
    agencies = writable_agencies(current_user)
    form = AccompanimentForm(agencies=agencies)
    prefilled = False
    if request.method == "GET":
        # Date and time left empty: the record takes the moment it is saved (forms.occurred_at).
        form.agency.data = current_user.agency_code
        # A link may choose the kind (?type=individual): the form opens on what that kind needs.
        if request.args.get("type") in KINDS:
            form.kind.data = request.args["type"]
        if request.args.get("modele") == "dernier":
            last = _last_record_of(current_user)
            if last is None:
                flash(_("Vous n’avez pas encore d’accompagnement à reprendre."), "info")
            else:
                data = last.to_data()
                data["beneficiary"]["card"] = None
                data["notes"] = None
                form.fill(data, with_moment=False)
                prefilled = True
    elif form.validate_on_submit():
        agency_code = _agency_for(form, agencies)
        data, judgement = _judge_form(form, agency_code)
        if form.new_card.data and data["beneficiary"].get("card"):
            form.card.errors = list(form.card.errors) + [
                _("Une carte est déjà indiquée : décochez « Remettre une nouvelle carte de suivi » ou videz le numéro.")]
        if not form.has_errors and judgement.valid:
            clean = judgement.clean
            if form.new_card.data:
                clean["beneficiary"]["card"] = cards.new_code()
            record = store.create(current_user, clean)
            store.commit()
            flash(_("Accompagnement enregistré."), "success")
            if form.new_card.data:
                return redirect(url_for("records.card", code=clean["beneficiary"]["card"]))
            return redirect(url_for("records.new", enregistre=record.id))
    status = 400 if request.method == "POST" else 200
    return render_template("records/form.html", form=form, agencies=agencies, prefilled=prefilled,
                           record=None, card_rules=cards.tablet_rules()), status


@bp.get("/")
@login_required(*READER_ROLES)
def index():
    """The records of the user's agency (all agencies for coordinators and admins), newest first."""
    query = readable(current_user, sa.select(Accompaniment))
    filters = {"jour": request.args.get("jour", ""), "conseiller": request.args.get("conseiller", ""),
               "agence": request.args.get("agence", ""), "supprimes": request.args.get("supprimes", "")}
    day = None
    if filters["jour"]:
        try:
            day = datetime.strptime(filters["jour"], "%Y-%m-%d").date()
        except ValueError:
            flash(_("Date de filtre invalide : elle est ignorée."), "error")
            filters["jour"] = ""
    if day:
        start = datetime.combine(day, time.min, tzinfo=display_timezone())
        query = query.where(Accompaniment.occurred_at >= start, Accompaniment.occurred_at < start + timedelta(days=1))
    if typed_int(filters["conseiller"]) is not None:
        query = query.where(Accompaniment.created_by_id == typed_int(filters["conseiller"]))
    agencies = db.session.scalars(sa.select(Agency).order_by(Agency.name)).all()
    if filters["agence"] and filters["agence"] not in {agency.code for agency in agencies}:
        # Not a code of ours (a NUL in it was a 500 on PostgreSQL): said, and ignored.
        flash(_("Agence de filtre inconnue : elle est ignorée."), "error")
        filters["agence"] = ""
    if filters["agence"] and current_user.role in ("admin", "coordinator"):
        query = query.where(Accompaniment.agency_code == filters["agence"])
    show_deleted = filters["supprimes"] == "1" and current_user.role in RESTORER_ROLES
    query = query.where(Accompaniment.deleted if show_deleted else ~Accompaniment.deleted)
    page = max(1, typed_int(request.args.get("page"), max_digits=6) or 1)
    records = db.session.scalars(
        query.order_by(Accompaniment.occurred_at.desc(), Accompaniment.id)
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    has_more = len(records) > PAGE_SIZE
    today_start = datetime.combine(local_now().date(), time.min, tzinfo=display_timezone())
    today_count = db.session.scalar(
        readable(current_user, sa.select(sa.func.count()).select_from(Accompaniment))
        .where(~Accompaniment.deleted, Accompaniment.occurred_at >= today_start)
    )
    advisors = db.session.scalars(
        sa.select(User).where(User.role.in_(("advisor", "manager", "admin")))
        .where(User.agency_code == current_user.agency_code if current_user.agency_code else sa.true())
        .order_by(User.display_name)
    ).all()
    return render_template("records/list.html", records=records[:PAGE_SIZE], has_more=has_more, page=page,
                           filters=filters, today_count=today_count, advisors=advisors, agencies=agencies,
                           show_deleted=show_deleted)


@bp.get("/sur-la-tablette")
@login_required(*WRITER_ROLES)
def on_device():
    """The records as this tablet keeps them: the page the service worker shows, offline, for
    the list, a record's page and a card's history; its script renders them from IndexedDB."""
    return render_template("records/on_device.html")


@bp.get("/<uuid:record_id>")
@login_required(*READER_ROLES)
def show(record_id):
    """One record in words."""
    record = get_readable_or_404(current_user, record_id)
    return render_template("records/show.html", record=record, rows=describe(record.to_data()))


@bp.route("/<uuid:record_id>/modifier", methods=["GET", "POST"])
@login_required(*WRITER_ROLES)
def edit(record_id):
    """Correct a record; refused, with both versions shown, if someone changed it meanwhile."""
    record = get_readable_or_404(current_user, record_id)
    if not current_user.may_write_records_of(record.agency_code):
        abort(403)
    if record.deleted:
        flash(_("Cet accompagnement est supprimé : un responsable peut le restaurer."), "error")
        return redirect(url_for("records.show", record_id=record.id))
    agencies = writable_agencies(current_user)
    stored = record.to_data()
    form = AccompanimentForm(agencies=agencies, kept=stored)
    conflict = None
    status = 200
    if request.method == "GET":
        form.fill(stored)
        form.version.data = str(record.version)
    elif form.validate_on_submit():
        agency_code = _agency_for(form, agencies) or record.agency_code
        data, judgement = _judge_form(form, agency_code, kept=stored)
        base_version = typed_int(form.version.data) or 0
        if not form.has_errors and judgement.valid:
            try:
                changed = store.update(record, current_user, judgement.clean, base_version)
            except store.StaleVersion:
                db.session.rollback()
                conflict = compare(data, record.to_data())
                form.version.data = str(record.version)
                status = 409
            else:
                store.commit()
                flash(_("Modifications enregistrées.") if changed else _("Aucune modification."), "success")
                return redirect(url_for("records.show", record_id=record.id))
        else:
            status = 400
    else:
        status = 400
    return render_template("records/form.html", form=form, agencies=agencies, record=record,
                           conflict=conflict, prefilled=False), status


def _change_deleted(record_id, deleted: bool, roles):
    record = get_readable_or_404(current_user, record_id)
    if current_user.role not in roles or not current_user.may_write_records_of(record.agency_code):
        abort(403)
    version = request.form.get("version", "")
    try:
        if version.strip() and typed_int(version) is None:
            # "²" or "1e9": not the version the page showed, so not a delete without a check.
            raise store.StaleVersion(record)
        changed = store.set_deleted(record, current_user, deleted, typed_int(version))
        if changed and not deleted:  # a change raises the version by one
            audit.record(current_user, "record.restore", f"accompaniment/{record.id}",
                         before={"deleted": True, "version": record.version - 1},
                         after={"deleted": False, "version": record.version})
    except store.StaleVersion:
        db.session.rollback()
        flash(_("Cet accompagnement a changé entre-temps : rien n’a été fait. Vérifiez-le et recommencez."), "error")
        return redirect(url_for("records.show", record_id=record.id))
    store.commit()
    return record


@bp.post("/<uuid:record_id>/supprimer")
@login_required(*WRITER_ROLES)
def delete(record_id):
    """Soft delete: the record leaves lists and figures; a manager can restore it."""
    result = _change_deleted(record_id, True, WRITER_ROLES)
    if not isinstance(result, Accompaniment):
        return result
    flash(_("Accompagnement supprimé. Un responsable peut le restaurer."), "success")
    return redirect(url_for("records.index"))


@bp.post("/<uuid:record_id>/restaurer")
@login_required(*RESTORER_ROLES)
def restore(record_id):
    """Undo a deletion (managers and admins)."""
    result = _change_deleted(record_id, False, RESTORER_ROLES)
    if not isinstance(result, Accompaniment):
        return result
    flash(_("Accompagnement restauré."), "success")
    return redirect(url_for("records.show", record_id=result.id))


@bp.get("/suivi")
@login_required(*READER_ROLES)
def follow_up_search():
    """Type the code of a person's card to see their visits."""
    typed = request.args.get("code", "")
    if typed:
        code = cards.normalise(typed)
        if cards.is_valid(code):
            return redirect(url_for("records.follow_up", code=code))
        flash(_("Numéro de carte invalide : vérifiez chaque caractère."), "error")
    return render_template("records/follow_up_search.html", typed=typed)


@bp.get("/suivi/<code>")
@login_required(*READER_ROLES)
def follow_up(code):
    """A card holder's visits and how their autonomy moved; nothing that names them."""
    code = cards.normalise(code)
    if not cards.is_valid(code):
        abort(404)
    visits = db.session.scalars(
        readable(current_user, sa.select(Accompaniment))
        .where(Accompaniment.card == code, ~Accompaniment.deleted)
        .order_by(Accompaniment.occurred_at)
    ).all()
    return render_template("records/follow_up.html", code=code, visits=visits)


@bp.get("/carte/<code>")
@bp.get("/carte/", defaults={"code": None})
@login_required(*WRITER_ROLES)
def card(code):
    """The small card to print and hand to the person (offline, the code comes after ``#``)."""
    if code is not None:
        code = cards.normalise(code)
        if not cards.is_valid(code):
            abort(404)
    return render_template("records/card.html", code=code)
