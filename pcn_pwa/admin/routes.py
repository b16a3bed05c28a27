"""Admin pages: accounts, and the interface languages with their uploaded catalogues."""

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.guard import login_required
from ..extensions import db
from ..auth import sign_ins
from ..i18n import N_, _, catalogues, ngettext
from ..i18n.catalogues import name_key
from ..i18n.po import MAX_UPLOAD_BYTES
from ..models import MAX_ID, Catalogue, Language, User
from ..navigation import may_open
from . import bp
from .forms import ConfirmForm, NewLanguageForm, UploadForm

TRANSLATORS = ("admin", "coordinator")

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
    account = _user_or_404(user_id)
    return render_template("admin/user.html", account=account, sign_ins=sign_ins.open_sign_ins(account),
                           describe=sign_ins.describe, confirm=ConfirmForm())


@bp.post("/utilisateurs/<int:user_id>/connexions/terminer")
@login_required("admin")
def end_sign_ins(user_id):
    """End every sign-in of an account (a lost tablet, someone who left): each of its devices
    must sign in again at its next request; records waiting there stay there."""
    account = _user_or_404(user_id)
    keep = sign_ins.current() if account.id == current_user.id else None
    ended = sign_ins.end_all(account, keep=keep)
    db.session.commit()
    if ended:
        flash(ngettext("%(num)s connexion terminée.", "%(num)s connexions terminées.", ended), "success")
    else:
        flash(_("Aucune connexion ouverte."), "info")
    return redirect(url_for("admin.user", user_id=account.id))


# --------------------------------------------------------------------------- languages


def _language_or_404(code: str) -> Language:
    # No code holds a NUL, and PostgreSQL refuses one in a query (a 500): not found.
    language = None if "\x00" in code else db.session.get(Language, code)
    if language is None:
        abort(404)
    return language


def _catalogue_or_404(language: Language, catalogue_id: int) -> Catalogue:
    catalogue = db.session.get(Catalogue, catalogue_id) if catalogue_id <= MAX_ID else None
    if catalogue is None or catalogue.language_code != language.code:
        abort(404)
    return catalogue


def _po_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="text/x-gettext-translation")
    response.charset = "utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/langues", methods=["GET", "POST"])
@login_required(*TRANSLATORS)
def languages():
    """Every language the app knows, whether users are offered it, and its live catalogue."""
    form = NewLanguageForm()
    if form.validate_on_submit():
        catalogues.add_language(form.code.data, form.native_name.data, form.french_name.data)
        db.session.commit()
        flash(_("Langue ajoutée. Téléversez son catalogue, puis activez-la."), "success")
        return redirect(url_for("admin.language", code=form.code.data))
    rows = db.session.scalars(sa.select(Language)).all()
    rows.sort(key=lambda language: name_key(language.french_name))
    status = 400 if form.errors else 200
    return render_template("admin/languages.html", languages=rows, form=form,
                           offered=set(catalogues.offered_codes())), status


@bp.get("/langues/modele.pot")
@login_required(*TRANSLATORS)
def template_download():
    """The template: every message of the interface in French, the source of every translation."""
    with open(catalogues.template_path(), encoding="utf-8") as handle:
        return _po_response(handle.read(), "messages.pot")


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
@login_required(*TRANSLATORS)
def language(code):
    """One language: its live catalogue, the upload form and every upload so far."""
    return _language_page(_language_or_404(code), UploadForm())


@bp.post("/langues/<code>/catalogues")
@login_required(*TRANSLATORS)
def upload_catalogue(code):
    """Check an uploaded .po and keep it on record; it goes live only when published."""
    language = _language_or_404(code)
    form = UploadForm()
    if not form.validate_on_submit():
        return _language_page(language, form, 400)
    upload = form.po_file.data
    catalogue = catalogues.record_upload(language, upload.filename, upload.stream.read(MAX_UPLOAD_BYTES + 1),
                                         current_user)
    db.session.commit()
    return redirect(url_for("admin.catalogue_report", code=code, catalogue_id=catalogue.id))


@bp.get("/langues/<code>/catalogues/<int:catalogue_id>")
@login_required(*TRANSLATORS)
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
@login_required(*TRANSLATORS)
def catalogue_download(code, catalogue_id):
    """An uploaded file as it was accepted (UTF-8, composed)."""
    catalogue = _catalogue_or_404(_language_or_404(code), catalogue_id)
    if catalogue.text is None:
        abort(404)
    return _po_response(catalogue.text, f"{code}-{catalogue.id}.po")


@bp.post("/langues/<code>/catalogues/<int:catalogue_id>/publier")
@login_required(*TRANSLATORS)
def publish_catalogue(code, catalogue_id):
    """Make an accepted upload live for every worker, at once (one transaction)."""
    language = _language_or_404(code)
    catalogue = _catalogue_or_404(language, catalogue_id)
    if not catalogue.accepted:
        flash(_("Ce fichier a été refusé : il ne peut pas être publié."), "error")
        return redirect(url_for("admin.catalogue_report", code=code, catalogue_id=catalogue.id))
    catalogues.publish(catalogue, current_user)
    db.session.commit()
    if language.enabled:
        flash(_("Catalogue publié : il est en service."), "success")
    else:
        flash(_("Catalogue publié. La langue n’est pas encore proposée : activez-la."), "success")
    return redirect(url_for("admin.language", code=code))


@bp.post("/langues/<code>/restaurer")
@login_required(*TRANSLATORS)
def restore_catalogue(code):
    """One click back to the catalogue published before the live one."""
    language = _language_or_404(code)
    restored = catalogues.restore_previous(language, current_user)
    db.session.commit()
    if restored is None:
        flash(_("Aucune version précédente à restaurer."), "error")
    else:
        flash(_("Version n° %(id)s restaurée.", id=restored.id), "success")
    return redirect(url_for("admin.language", code=code))


@bp.post("/langues/<code>/activation")
@login_required(*TRANSLATORS)
def toggle_language(code):
    """Offer the language to users, or stop offering it (French, the source, always stays)."""
    language = _language_or_404(code)
    wanted = request.form.get("enabled")
    if language.code == catalogues.default_code():
        flash(_("Le français est la langue source : il reste toujours proposé."), "error")
    elif wanted not in ("0", "1"):
        flash(_("Choix inconnu : %(value)s.", value=wanted or ""), "error")
    else:
        catalogues.set_enabled(language, wanted == "1")
        db.session.commit()
        flash(_("Langue activée.") if wanted == "1" else _("Langue désactivée."), "success")
    return redirect(url_for("admin.language", code=code))


@bp.get("/langues/<code>/messages.po")
@login_required(*TRANSLATORS)
def current_po_download(code):
    """The language's current .po: the live one, or a fresh file from the template to start from."""
    language = _language_or_404(code)
    return _po_response(catalogues.current_po(language), f"{code}.po")
