"""Erasing a person's data at their request: the records of their follow-up card, then, once
confirmed, what links them to the person (privacy.py). A module of its own: its form's fields are
this page's only."""

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from .. import privacy
from ..auth.guard import login_required
from ..extensions import db
from ..i18n import _, ngettext
from . import bp
from .forms import CardErasureForm

# Who erases a person's data at their request: the coordination (every agency's records; a card
# links visits in several agencies) and admins; nobody who works in one agency.
ERASERS = ("coordinator", "admin")


@bp.route("/cartes/effacer", methods=["GET", "POST"])
@login_required(*ERASERS)
def erase_card():
    """On a person's request: the records linked to their card code, then, once confirmed, their
    notes and procedure details blanked and the card removed (privacy.erase_card). The code
    travels in the form's body, never in a URL (no log keeps it)."""
    form = CardErasureForm()
    if request.method == "GET":
        return _erase_card_page(form)
    if not form.validate_on_submit():
        return _erase_card_page(form, status=400)
    code = form.code.data
    if request.form.get("confirm") == "1":
        erased = privacy.erase_card(current_user, code)
        db.session.commit()
        if erased:
            flash(ngettext("Données de la carte effacées sur %(num)s accompagnement : les tablettes le recevront "
                           "sans notes ni carte à leur prochaine synchronisation.",
                           "Données de la carte effacées sur %(num)s accompagnements : les tablettes les recevront "
                           "sans notes ni carte à leur prochaine synchronisation.", erased), "success")
            return redirect(url_for("admin.erase_card"))
    records = privacy.records_of_card(code)
    if not records:
        form.code.errors.append(_("Aucun accompagnement n’est lié à cette carte : rien à effacer."))
        return _erase_card_page(form, status=400)
    return _erase_card_page(form, records)


def _erase_card_page(form: CardErasureForm, records=(), status: int = 200):
    response = make_response(render_template("admin/erase_card.html", form=form, records=records), status)
    response.headers["Cache-Control"] = "no-store"  # a card's records: not kept by the browser
    return response
