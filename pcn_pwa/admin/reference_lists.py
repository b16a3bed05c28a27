"""The reference lists' pages: partners, procedures and digital-skill topics, as an admin adds,
renames, reorders, retires and restores them (the work itself is in ``reference_admin``)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from .. import reference_admin
from ..auth.guard import login_required
from ..extensions import db
from ..i18n import _
from ..models import Procedure
from . import bp
from .forms import ConfirmForm, NewReferenceForm, ReferenceLabelForm


def _kind_or_404(slug: str) -> reference_admin.Kind:
    kind = reference_admin.KINDS.get(slug)
    if kind is None:
        abort(404)
    return kind


def _entry_or_404(kind: reference_admin.Kind, code: str):
    entry = None if "\x00" in code else db.session.get(kind.model, code)
    if entry is None:
        abort(404)
    return entry


def _reference_list_page(kind: reference_admin.Kind, form: NewReferenceForm, status: int = 200):
    rows = reference_admin.entries(kind)
    # Where each entry stands in the list it is ordered among: the first has no « up », the last no « down ».
    groups: dict = {}
    for entry in rows:
        groups.setdefault(getattr(entry, "partner_code", None), []).append(entry.code)
    ends = {code: (group[0] == code, group[-1] == code) for group in groups.values() for code in group}
    return render_template("admin/reference_list.html", kind=kind, kinds=reference_admin.KINDS, rows=rows,
                           ends=ends, form=form, confirm=ConfirmForm(), label_of=reference_admin.label_of), status


@bp.route("/referentiels", methods=["GET", "POST"])
@login_required("admin")
def reference_lists():
    """The menu's entry to the reference lists: the partners' list, the first of the three."""
    return reference_list("partenaires")


@bp.route("/referentiels/<slug>", methods=["GET", "POST"])
@login_required("admin")
def reference_list(slug):
    """One reference list (partners, procedures or topics) in the form's order, and the form to add to it."""
    kind = _kind_or_404(slug)
    form = NewReferenceForm(kind=kind)
    if form.validate_on_submit():
        partner = form.partner.data if kind.model is Procedure else None
        try:
            reference_admin.add(current_user, kind, form.code.data, form.label.data, partner)
            db.session.commit()
        except IntegrityError:  # the same code, added by another admin meanwhile
            db.session.rollback()
            form.code.errors.append(_("Ce code existe déjà dans cette liste, peut-être retiré : "
                                      "rétablissez cette entrée."))
        else:
            flash(_("Entrée ajoutée : elle est proposée dans le formulaire, et aux tablettes à leur prochaine "
                    "mise à jour."), "success")
            return redirect(url_for("admin.reference_list", slug=kind.slug))
    return _reference_list_page(kind, form, 400 if form.errors else 200)


def _reference_entry_page(kind, entry, form: ReferenceLabelForm | None = None, status: int = 200):
    form = form or ReferenceLabelForm(kind=kind, label=reference_admin.label_of(entry))
    return render_template("admin/reference_entry.html", kind=kind, entry=entry, form=form, confirm=ConfirmForm(),
                           label=reference_admin.label_of(entry)), status


@bp.route("/referentiels/<slug>/<code>", methods=["GET", "POST"])
@login_required("admin")
def reference_entry(slug, code):
    """One entry: rename it (its code stays), retire or restore it."""
    kind = _kind_or_404(slug)
    entry = _entry_or_404(kind, code)
    if request.method == "GET":
        return _reference_entry_page(kind, entry)
    form = ReferenceLabelForm(kind=kind)
    if not form.validate_on_submit():
        return _reference_entry_page(kind, entry, form, 400)
    if reference_admin.rename(current_user, kind, entry, form.label.data):
        db.session.commit()
        flash(_("Libellé enregistré : les accompagnements qui citent cette entrée l’affichent désormais."), "success")
    else:
        flash(_("Aucune modification."), "info")
    return redirect(url_for("admin.reference_entry", slug=kind.slug, code=entry.code))


@bp.post("/referentiels/<slug>/<code>/ordre")
@login_required("admin")
def reference_move(slug, code):
    """Move an entry one place up or down its list (a button: no script needed)."""
    kind = _kind_or_404(slug)
    entry = _entry_or_404(kind, code)
    step = {"haut": -1, "bas": 1}.get(request.form.get("sens", ""))
    if step is None:
        flash(_("Choix inconnu : %(value)s.", value=request.form.get("sens", "")), "error")
    elif reference_admin.move(current_user, kind, entry, step):
        db.session.commit()
    return redirect(url_for("admin.reference_list", slug=kind.slug) + f"#entry-{entry.code}")


@bp.post("/referentiels/<slug>/<code>/activation")
@login_required("admin")
def reference_toggle(slug, code):
    """Retire an entry (it leaves the form, stays valid for records) or restore it."""
    kind = _kind_or_404(slug)
    entry = _entry_or_404(kind, code)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        flash(_("Choix inconnu : %(value)s.", value=wanted or ""), "error")
    elif reference_admin.set_active(current_user, kind, entry, wanted == "1"):
        db.session.commit()
        flash(_("Entrée rétablie : elle est de nouveau proposée.") if wanted == "1" else
              _("Entrée retirée : elle n’est plus proposée pour un nouvel accompagnement ; les accompagnements "
                "qui la citent la gardent."), "success")
    return redirect(url_for("admin.reference_entry", slug=kind.slug, code=entry.code))
