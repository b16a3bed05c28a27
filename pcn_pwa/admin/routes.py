"""Admin pages: accounts and their sign-ins, agencies, the interface languages with their
uploaded catalogues, and the audit trail."""

import json
from datetime import timedelta

import sqlalchemy as sa
from flask import (Response, abort, flash, make_response, redirect, render_template, request, stream_with_context,
                   url_for)
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import agencies as agency_service
from .. import audit, people, reference_admin
from ..auth import sign_ins
from ..auth.guard import deny_forbidden, login_required
from ..extensions import db
from ..figures.exports import table_csv_chunks
from ..i18n import N_, _, catalogues, local_midnight, ngettext, to_local
from ..i18n.catalogues import name_key
from ..i18n.po import MAX_UPLOAD_BYTES
from ..models import AGENCY_ROLES, MAX_ID, Agency, AuditEntry, Catalogue, Language, User
from ..navigation import may_open
from . import bp
from .forms import (AgencyForm, AuditFilterForm, ConfirmForm, MoveForm, NewAgencyForm, NewLanguageForm, NewUserForm,
                    TranslatorLanguagesForm, UploadForm)

# Who opens the languages' pages (a translator, only those of the languages assigned to them), and
# who uploads, publishes and restores catalogues. The coordinator reads them, as every other of
# their rights is read-only; adding a language and offering it to users stay with admins.
LANGUAGE_READERS = ("admin", "coordinator", "translator")
LANGUAGE_WRITERS = ("admin", "translator")

# Pages shown in a preview, if the admin's role may open them.
PREVIEW_PAGES = [
    ("main.home", N_("Accueil")),
    ("records.new", N_("Nouvel accompagnement")),
    ("records.index", N_("Accompagnements")),
    ("pwa.sync_status", N_("Synchronisation")),
    ("pwa.offline", N_("Page hors ligne")),
]


@bp.get("/utilisateurs")
@login_required("admin")
def users():
    """Every account, by role, with where it works and when it last signed in."""
    accounts = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", accounts=accounts)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if user is None:
        abort(404)
    return user


@bp.get("/utilisateurs/<int:user_id>")
@login_required("admin")
def user(user_id):
    """One account: who, where, and the devices where it is signed in."""
    return _user_page(_user_or_404(user_id))


def _user_page(account: User, move_form: MoveForm | None = None, languages_form=None, status: int = 200):
    languages_form = languages_form or TranslatorLanguagesForm(
        languages=[language.code for language in account.languages])
    return render_template("admin/user.html", account=account, sign_ins=sign_ins.open_sign_ins(account),
                           describe=sign_ins.describe, confirm=ConfirmForm(),
                           move_form=move_form or MoveForm(agency=account.agency_code),
                           languages_form=languages_form, agency_roles=AGENCY_ROLES), status


def _one_time_password_page(account: User, password: str, created: bool):
    """Shown once, never stored in clear nor cached: the admin hands it over."""
    response = make_response(render_template("admin/one_time_password.html", account=account, password=password,
                                             created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/utilisateurs/nouveau", methods=["GET", "POST"])
@login_required("admin")
def new_user():
    """Create an account with a one-time password; its user chooses their own at first sign-in."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            account, password = people.create(current_user, form.username.data, form.display_name.data,
                                              form.role.data, form.agency.data or None, form.partner.data or None)
            db.session.commit()
        except IntegrityError:  # the same username, created by another admin meanwhile
            db.session.rollback()
            form.username.errors.append(_("Cet identifiant est déjà pris."))
        else:
            return _one_time_password_page(account, password, created=True)
    return render_template("admin/new_user.html", form=form), 400 if form.errors else 200


@bp.post("/utilisateurs/<int:user_id>/mot-de-passe")
@login_required("admin")
def reset_password(user_id):
    """A new one-time password for an account (forgotten password): its sign-ins end."""
    account = _user_or_404(user_id)
    if account.id == current_user.id:
        flash(_("Changez votre propre mot de passe depuis « Mon compte »."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    password = people.reset_password(current_user, account)
    db.session.commit()
    return _one_time_password_page(account, password, created=False)


@bp.post("/utilisateurs/<int:user_id>/activation")
@login_required("admin")
def toggle_user(user_id):
    """Deactivate an account (its sign-ins end, its records stay) or reactivate it."""
    account = _user_or_404(user_id)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        flash(_("Choix inconnu : %(value)s.", value=wanted or ""), "error")
    elif account.id == current_user.id and wanted == "0":
        flash(_("Vous ne pouvez pas désactiver votre propre compte."), "error")
    elif (wanted == "1") != account.active:
        people.set_active(current_user, account, wanted == "1")
        db.session.commit()
        flash(_("Compte réactivé.") if wanted == "1" else _("Compte désactivé : ses connexions sont terminées."),
              "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/utilisateurs/<int:user_id>/agence")
@login_required("admin")
def move_user(user_id):
    """Move an advisor or manager to another agency; their past records stay where they were made."""
    account = _user_or_404(user_id)
    if account.role not in AGENCY_ROLES:
        flash(_("Seuls les conseillers et les responsables travaillent dans une agence."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    form = MoveForm()
    if not (form.validate_on_submit() and form.placement_ok(account.role)):
        return _user_page(account, form, status=400)
    if form.agency.data != account.agency_code:
        people.move(current_user, account, form.agency.data)
        db.session.commit()
        flash(_("Agence changée. Ses accompagnements passés restent à l’agence où ils ont été faits."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/utilisateurs/<int:user_id>/langues")
@login_required("admin")
def translator_languages(user_id):
    """Assign languages to a translator: the only catalogues they upload, preview and publish."""
    account = _user_or_404(user_id)
    if account.role != "translator":
        flash(_("Seuls les comptes de traduction reçoivent des langues."), "error")
        return redirect(url_for("admin.user", user_id=account.id))
    form = TranslatorLanguagesForm()
    if not form.validate_on_submit():
        return _user_page(account, languages_form=form, status=400)
    if people.assign_languages(current_user, account, form.languages.data or []):
        db.session.commit()
        flash(_("Langues confiées enregistrées."), "success")
    return redirect(url_for("admin.user", user_id=account.id))


@bp.post("/utilisateurs/<int:user_id>/connexions/terminer")
@login_required("admin")
def end_sign_ins(user_id):
    """End every sign-in of an account (a lost tablet, someone who left): each of its devices
    must sign in again at its next request; records waiting there stay there."""
    account = _user_or_404(user_id)
    keep = sign_ins.current() if account.id == current_user.id else None
    ended = sign_ins.end_all(account, keep=keep)
    audit.record(current_user, "sign_in.end_all", f"user/{account.id}", after={"username": account.username,
                                                                              "ended": ended})
    db.session.commit()
    if ended:
        flash(ngettext("%(num)s connexion terminée.", "%(num)s connexions terminées.", ended), "success")
    else:
        flash(_("Aucune connexion ouverte."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


# --------------------------------------------------------------------------- languages


def _language_or_404(code: str) -> Language:
    """The language, if it exists and is the user's to see (a translator's own languages)."""
    # No code holds a NUL, and PostgreSQL refuses one in a query (a 500): not found.
    language = None if "\x00" in code else db.session.get(Language, code)
    if language is None:
        abort(404)
    if current_user.role == "translator" and not current_user.may_translate(language.code):
        abort(403)
    return language


def _catalogue_or_404(language: Language, catalogue_id: int) -> Catalogue:
    catalogue = db.session.get(Catalogue, catalogue_id) if catalogue_id <= MAX_ID else None
    if catalogue is None or catalogue.language_code != language.code:
        abort(404)
    return catalogue


def _catalogue_facts(catalogue: Catalogue) -> dict:
    """An upload as the trail keeps it: its number, file, and whether it was accepted."""
    return {"catalogue": catalogue.id, "filename": catalogue.filename, "accepted": catalogue.accepted,
            "translated": catalogue.translated}


def _live_facts(language: Language) -> dict:
    return {"catalogue": language.catalogue_id}


def _po_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/x-gettext-translation")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/langues", methods=["GET", "POST"])
@login_required(*LANGUAGE_READERS)
def languages():
    """Every language the app knows (a translator's own), whether users are offered it, and its
    live catalogue; admins add languages here."""
    if request.method == "POST" and current_user.role != "admin":
        return deny_forbidden()
    form = NewLanguageForm()
    if form.validate_on_submit():
        catalogues.add_language(form.code.data, form.native_name.data, form.french_name.data)
        audit.record(current_user, "language.add", f"language/{form.code.data}",
                     after={"native_name": form.native_name.data, "french_name": form.french_name.data})
        db.session.commit()
        flash(_("Langue ajoutée. Téléversez son catalogue, puis activez-la."), "success")
        return redirect(url_for("admin.language", code=form.code.data))
    rows = current_user.languages if current_user.role == "translator" else db.session.scalars(sa.select(Language)).all()
    rows = list(rows)
    rows.sort(key=lambda language: name_key(language.french_name))
    status = 400 if form.errors else 200
    return render_template("admin/languages.html", languages=rows, form=form,
                           offered=set(catalogues.offered_codes())), status


@bp.get("/langues/modele.pot")
@login_required(*LANGUAGE_READERS)
def template_download():
    """The template: every message of the interface in French, the source of every translation."""
    with open(catalogues.template_path(), encoding="utf-8") as handle:
        text = handle.read()
    # The labels an admin typed in the reference lists live only in the database: added at the end.
    return _po_response(text + reference_admin.pot_entries(reference_admin.label_msgids()), "messages.pot")


def _language_page(language: Language, upload_form: UploadForm, status: int = 200):
    info = catalogues.languages().get(language.code)
    history = db.session.scalars(
        sa.select(Catalogue).where(Catalogue.language_code == language.code)
        .order_by(Catalogue.uploaded_at.desc(), Catalogue.id.desc())
    ).all()
    return render_template(
        "admin/language.html", language=language, upload_form=upload_form, confirm=ConfirmForm(),
        history=history, previous=catalogues.previous_catalogue(language),
        offered=language.code in catalogues.offered_codes(), max_megabytes=MAX_UPLOAD_BYTES // (1024 * 1024),
        shipped=info is not None and info.shipped,
    ), status


@bp.get("/langues/<code>")
@login_required(*LANGUAGE_READERS)
def language(code):
    """One language: its live catalogue, the upload form and every upload so far."""
    return _language_page(_language_or_404(code), UploadForm())


@bp.post("/langues/<code>/catalogues")
@login_required(*LANGUAGE_WRITERS)
def upload_catalogue(code):
    """Check an uploaded .po and keep it on record; it goes live only when published."""
    language = _language_or_404(code)
    form = UploadForm()
    if not form.validate_on_submit():
        return _language_page(language, form, 400)
    upload = form.po_file.data
    catalogue = catalogues.record_upload(language, upload.filename, upload.stream.read(MAX_UPLOAD_BYTES + 1),
                                         current_user, extra_msgids=reference_admin.label_msgids())
    db.session.flush()  # its number, for the trail
    audit.record(current_user, "catalogue.upload", f"language/{code}", after=_catalogue_facts(catalogue))
    db.session.commit()
    return redirect(url_for("admin.catalogue_report", code=code, catalogue_id=catalogue.id))


@bp.get("/langues/<code>/catalogues/<int:catalogue_id>")
@login_required(*LANGUAGE_READERS)
def catalogue_report(code, catalogue_id):
    """What an upload holds, what was refused and why, a preview, and the publish button."""
    language = _language_or_404(code)
    catalogue = _catalogue_or_404(language, catalogue_id)
    previews = [(_(label), url_for(endpoint, apercu=catalogue.id)) for endpoint, label in PREVIEW_PAGES
                if may_open(endpoint)] if catalogue.accepted else []
    return render_template("admin/catalogue_report.html", language=language, catalogue=catalogue,
                           previews=previews, confirm=ConfirmForm(),
                           live=language.catalogue_id == catalogue.id)


@bp.get("/langues/<code>/catalogues/<int:catalogue_id>/messages.po")
@login_required(*LANGUAGE_READERS)
def catalogue_download(code, catalogue_id):
    """An uploaded file as it was accepted (UTF-8, composed)."""
    catalogue = _catalogue_or_404(_language_or_404(code), catalogue_id)
    if catalogue.text is None:
        abort(404)
    return _po_response(catalogue.text, f"{code}-{catalogue.id}.po")


@bp.post("/langues/<code>/catalogues/<int:catalogue_id>/publier")
@login_required(*LANGUAGE_WRITERS)
def publish_catalogue(code, catalogue_id):
    """Make an accepted upload live for every worker, at once (one transaction)."""
    language = _language_or_404(code)
    catalogue = _catalogue_or_404(language, catalogue_id)
    if not catalogue.accepted:
        flash(_("Ce fichier a été refusé : il ne peut pas être publié."), "error")
        return redirect(url_for("admin.catalogue_report", code=code, catalogue_id=catalogue.id))
    before = _live_facts(language)
    catalogues.publish(catalogue, current_user)
    audit.record(current_user, "catalogue.publish", f"language/{code}", before=before,
                 after=_catalogue_facts(catalogue))
    db.session.commit()
    if language.enabled:
        flash(_("Catalogue publié : il est en service."), "success")
    else:
        flash(_("Catalogue publié. La langue n’est pas encore proposée : activez-la."), "success")
    return redirect(url_for("admin.language", code=code))


@bp.post("/langues/<code>/restaurer")
@login_required(*LANGUAGE_WRITERS)
def restore_catalogue(code):
    """One click back to the catalogue published before the live one."""
    language = _language_or_404(code)
    before = _live_facts(language)
    restored = catalogues.restore_previous(language, current_user)
    if restored is not None:
        audit.record(current_user, "catalogue.restore", f"language/{code}", before=before,
                     after=_catalogue_facts(restored))
    db.session.commit()
    if restored is None:
        flash(_("Aucune version précédente à restaurer."), "error")
    else:
        flash(_("Version n° %(id)s restaurée.", id=restored.id), "success")
    return redirect(url_for("admin.language", code=code))


@bp.post("/langues/<code>/activation")
@login_required("admin")
def toggle_language(code):
    """Offer the language to users, or stop offering it (French, the source, always stays)."""
    language = _language_or_404(code)
    wanted = request.form.get("enabled")
    if language.code == catalogues.default_code():
        flash(_("Le français est la langue source : il reste toujours proposé."), "error")
    elif wanted not in ("0", "1"):
        flash(_("Choix inconnu : %(value)s.", value=wanted or ""), "error")
    else:
        was = language.enabled
        catalogues.set_enabled(language, wanted == "1")
        audit.record(current_user, "language.enable" if wanted == "1" else "language.disable", f"language/{code}",
                     before={"enabled": was}, after={"enabled": language.enabled})
        db.session.commit()
        flash(_("Langue activée.") if wanted == "1" else _("Langue désactivée."), "success")
    return redirect(url_for("admin.language", code=code))


@bp.get("/langues/<code>/messages.po")
@login_required(*LANGUAGE_READERS)
def current_po_download(code):
    """The language's current .po: the live one, or a fresh file from the template to start from."""
    language = _language_or_404(code)
    return _po_response(catalogues.current_po(language), f"{code}.po")


# --------------------------------------------------------------------------- audit trail

AUDIT_PAGE_SIZE = 200


def _audit_filter():
    """The filter form read from the URL, with its choices; and the query of what it selects,
    or None when a filter is refused (each error at its field)."""
    form = AuditFilterForm(request.args)
    names = db.session.scalars(sa.select(AuditEntry.actor_name).distinct().order_by(AuditEntry.actor_name)).all()
    form.actor.choices = [("", _("Tout le monde"))] + [(name, name) for name in names]
    form.action.choices = [("", _("Toutes"))] + sorted(
        ((code, audit.action_label(code)) for code in audit.ACTIONS), key=lambda pair: name_key(pair[1]))
    if request.args and not form.validate():
        return form, None
    query = sa.select(AuditEntry)
    if form.actor.data:
        query = query.where(AuditEntry.actor_name == form.actor.data)
    if form.action.data:
        query = query.where(AuditEntry.action == form.action.data)
    if form.start.data:
        query = query.where(AuditEntry.at >= local_midnight(form.start.data))
    if form.end.data:
        query = query.where(AuditEntry.at < local_midnight(form.end.data + timedelta(days=1)))
    return form, query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


@bp.get("/journal")
@login_required("admin")
def audit_trail():
    """Every admin and translator action, newest first, with filters; read only."""
    form, query = _audit_filter()
    if query is None:
        return render_template("admin/audit.html", form=form, entries=[], more=False, **_audit_words()), 400
    entries = db.session.scalars(query.limit(AUDIT_PAGE_SIZE + 1)).all()
    return render_template("admin/audit.html", form=form, entries=entries[:AUDIT_PAGE_SIZE],
                           more=len(entries) > AUDIT_PAGE_SIZE, export_args=request.args.to_dict(), **_audit_words())


def _audit_words() -> dict:
    return {"action_label": audit.action_label, "audit_values": _values_in_words}


def _values_in_words(values: dict | None) -> str:
    """``{"enabled": false}`` as ``enabled : false``, one pair after another."""
    if not values:
        return ""
    return ", ".join(f"{name} : {json.dumps(value, ensure_ascii=False)}" for name, value in sorted(values.items()))


@bp.get("/journal.csv")
@login_required("admin")
def audit_trail_csv():
    """The entries the filters select, all of them, as CSV (the download is itself on record)."""
    form, query = _audit_filter()
    if query is None:
        errors = "; ".join(f"{form[name].label.text} : {', '.join(messages)}" for name, messages in form.errors.items())
        return Response(errors, status=400, mimetype="text/plain")
    filters = {name: str(value) for name, value in form.data.items() if value}
    audit.record_download(current_user, "journal.csv", filters, action="audit.export")
    titles = [_("Quand (Nouméa)"), _("Qui"), _("Action"), _("Code de l’action"), _("Objet"), _("Avant"), _("Après")]

    def rows():
        for entry in db.session.scalars(query).yield_per(500):
            yield [to_local(entry.at).strftime("%Y-%m-%d %H:%M:%S"), entry.actor_name, audit.action_label(entry.action),
                   entry.action, entry.target, _json(entry.before), _json(entry.after)]

    response = Response(stream_with_context(table_csv_chunks(titles, rows())), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="pcn-journal.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


# --------------------------------------------------------------------------- agencies


def _agency_or_404(code: str) -> Agency:
    agency = None if "\x00" in code else db.session.get(Agency, code)
    if agency is None:
        abort(404)
    return agency


def _agencies_page(form: NewAgencyForm, status: int = 200):
    rows = db.session.scalars(sa.select(Agency).order_by(Agency.active.desc(), Agency.name)).all()
    staff = dict(db.session.execute(sa.select(User.agency_code, sa.func.count()).where(User.active)
                                    .group_by(User.agency_code)).all())
    return render_template("admin/agencies.html", agencies=rows, staff=staff, form=form), status


@bp.route("/agences", methods=["GET", "POST"])
@login_required("admin")
def agencies():
    """Every agency, open first, and the form to add one."""
    form = NewAgencyForm()
    if form.validate_on_submit():
        try:
            agency_service.add(current_user, form.code.data, form.name.data, form.commune.data)
            db.session.commit()
        except IntegrityError:  # the same code, added by another admin meanwhile
            db.session.rollback()
            form.code.errors.append(_("Ce code est déjà celui d’une agence."))
        else:
            flash(_("Agence ajoutée : elle est proposée aux tablettes à leur prochaine mise à jour."), "success")
            return redirect(url_for("admin.agencies"))
    return _agencies_page(form, 400 if form.errors else 200)


def _agency_page(agency: Agency, form: AgencyForm | None = None, status: int = 200):
    form = form or AgencyForm(name=agency.name, commune=agency.commune_code)
    staff = db.session.scalars(sa.select(User).where(User.agency_code == agency.code, User.active)
                               .order_by(User.username)).all()
    return render_template("admin/agency.html", agency=agency, form=form, staff=staff, confirm=ConfirmForm()), status


@bp.route("/agences/<code>", methods=["GET", "POST"])
@login_required("admin")
def agency(code):
    """One agency: rename it, attach it to another commune, deactivate or reactivate it."""
    agency = _agency_or_404(code)
    form = AgencyForm()
    if request.method == "GET":
        return _agency_page(agency)
    if not form.validate_on_submit():
        return _agency_page(agency, form, 400)
    if agency_service.update(current_user, agency, form.name.data, form.commune.data):
        db.session.commit()
        flash(_("Agence enregistrée."), "success")
    else:
        flash(_("Aucune modification."), "info")
    return redirect(url_for("admin.agency", code=agency.code))


@bp.post("/agences/<code>/activation")
@login_required("admin")
def toggle_agency(code):
    """Deactivate an agency (its records stay and count; it takes no new one) or reopen it."""
    agency = _agency_or_404(code)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        flash(_("Choix inconnu : %(value)s.", value=wanted or ""), "error")
    elif (wanted == "1") != agency.active:
        agency_service.set_active(current_user, agency, wanted == "1")
        db.session.commit()
        flash(_("Agence réactivée.") if wanted == "1" else
              _("Agence désactivée : ses accompagnements restent, elle n’en prend plus de nouveaux."), "success")
    return redirect(url_for("admin.agency", code=agency.code))
