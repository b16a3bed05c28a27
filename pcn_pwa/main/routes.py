"""Home, language switch, account, service worker."""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import audit, people
from ..auth import sign_ins
from ..auth.guard import login_required
from ..auth.routes import safe_next, sign_out
from ..extensions import db
from ..figures.small_cells import shown_to_partner
from ..forms import PCNForm
from ..i18n import SESSION_KEY, _, available_locales, display_timezone, language_name
from ..models import MAX_ID, Accompaniment, Agency, SignIn, accompaniment_partner
from . import bp
from .forms import LanguageForm, PasswordForm


def start_of_local_day(days_ago: int = 0) -> datetime:
    """Midnight in Nouméa, ``days_ago`` days back, as an aware datetime."""
    today = datetime.now(display_timezone()).date() - timedelta(days=days_ago)
    return datetime.combine(today, time.min, tzinfo=display_timezone())


def _count(*conditions) -> int:
    query = sa.select(sa.func.count()).select_from(Accompaniment).where(~Accompaniment.deleted, *conditions)
    return db.session.scalar(query)


@bp.get("/")
@login_required
def home():
    """What each role needs to see first."""
    today = start_of_local_day()
    month = start_of_local_day(29)
    context = {}
    if current_user.role in ("advisor", "manager"):
        # Their own day and week and their agency's; the page adds what waits on the device.
        week = start_of_local_day(today.weekday())
        agency = Accompaniment.agency_code == current_user.agency_code
        own = Accompaniment.created_by_id == current_user.id
        context["day_start"], context["week_start"] = today, week
        context["counts"] = {
            "mine": {"day": _count(own, Accompaniment.occurred_at >= today),
                     "week": _count(own, Accompaniment.occurred_at >= week)},
            "agency": {"day": _count(agency, Accompaniment.occurred_at >= today),
                       "week": _count(agency, Accompaniment.occurred_at >= week)},
        }
    elif current_user.role == "partner":
        concerns_partner = Accompaniment.id.in_(
            sa.select(accompaniment_partner.c.accompaniment_id).where(
                accompaniment_partner.c.partner_code == current_user.partner_code
            )
        )
        # The dashboard's rule for partners holds here too: no count from 1 to 4.
        context["month_count"] = shown_to_partner(_count(concerns_partner, Accompaniment.occurred_at >= month))
    elif current_user.role == "translator":  # no figure: the languages to translate
        context["languages"] = sorted(current_user.languages, key=lambda language: language.french_name)
    else:
        counts = dict(
            db.session.execute(
                sa.select(Accompaniment.agency_code, sa.func.count())
                .where(~Accompaniment.deleted, Accompaniment.occurred_at >= month)
                .group_by(Accompaniment.agency_code)
            ).all()
        )
        agencies = db.session.scalars(sa.select(Agency).order_by(Agency.province, Agency.name)).all()
        context["agency_counts"] = [(agency, counts.get(agency.code, 0)) for agency in agencies]
    return render_template("main/home.html", **context)


@bp.post("/langue")
def switch_language():
    """Change the interface language (kept on the account when signed in, else in the session)."""
    code = request.form.get("locale", "")
    if code not in available_locales():
        flash(_("Cette langue n’est pas disponible."), "error")
    else:
        session[SESSION_KEY] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.route("/compte", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: who they are, and their language."""
    form = LanguageForm()
    form.locale.choices = [(code, language_name(code)) for code in available_locales()]
    if form.validate_on_submit():
        current_user.locale = form.locale.data
        session[SESSION_KEY] = form.locale.data
        db.session.commit()
        flash(_("Préférence de langue enregistrée."), "success")
        return redirect(url_for("main.account"))
    if request.method == "GET":
        form.locale.data = current_user.locale or session.get(SESSION_KEY) or current_app.config["DEFAULT_LOCALE"]
    return render_template("main/account.html", form=form, sign_ins=sign_ins.open_sign_ins(current_user),
                           this_sign_in=sign_ins.current(), describe=sign_ins.describe, confirm=PCNForm())


@bp.post("/compte/connexions/<int:sign_in_id>/terminer")
@login_required
def end_sign_in(sign_in_id):
    """End one of the user's own sign-ins (a lost tablet, say); ending this one signs out here."""
    sign_in = db.session.get(SignIn, sign_in_id) if sign_in_id <= MAX_ID else None
    if sign_in is None or sign_in.user_id != current_user.id:
        abort(404)
    if sign_in.id == sign_ins.current().id:
        sign_out()
        flash(_("Vous êtes déconnecté."), "info")
        return redirect(url_for("auth.login"))
    if sign_in.ended_at is not None:
        flash(_("Cette connexion était déjà terminée."), "info")
    else:
        sign_ins.end(sign_in)
        audit.record(current_user, "sign_in.end", f"sign_in/{sign_in.id}",
                     before={"device": sign_ins.describe(sign_in.user_agent), "started_at": sign_in.started_at.isoformat()})
        db.session.commit()
        flash(_("Connexion terminée : cet appareil devra se reconnecter."), "success")
    return redirect(url_for("main.account"))


@bp.get("/confidentialite")
def privacy():
    """What is stored about the people accompanied, why, for how long, and whom to ask: open to
    everyone, signed in or not (an advisor shows it to the person)."""
    return render_template("main/privacy.html", months=current_app.config["RETENTION_MONTHS"],
                           contact=current_app.config["PRIVACY_CONTACT"])


@bp.get("/healthz")
def health():
    """For the load balancer: the app answers and the database too."""
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/compte/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    """Choose one's own password: at the first sign-in with a one-time password (nothing else
    opens before), or at any time with the current one. Other devices are signed out."""
    form = PasswordForm(current_user)
    first = current_user.must_change_password
    if first:
        del form.current  # just typed at sign-in
    if form.validate_on_submit():
        people.change_own_password(current_user, form.new.data, keep=sign_ins.current())
        db.session.commit()
        flash(_("Mot de passe enregistré."), "success")
        return redirect(url_for("main.home") if first else url_for("main.account"))
    return render_template("main/password.html", form=form, first=first,
                           min_length=people.MIN_PASSWORD_LENGTH), 400 if form.errors else 200
