"""The dashboard (Tableau de bord): the figures of a scope in words, numbers and charts.

The same figures as /api/v1/stats (the same scope, reach and small cells), with the period
chosen by presets; every filter is a URL parameter, so a link can be shared. Charts are drawn
here as inline SVG (no chart library, light on a slow link), each with its figures as a table.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..accompaniments import vocabulary as vocab
from ..auth.guard import login_required
from ..i18n import N_, _, format_date, gettext
from ..navigation import ALL_ROLES
from . import dashboard_bp
from ..pwa.routes import app_version
from .counting import DIMENSIONS
from .routes import figures_of
from .scope import PILOT_START, Scope, ScopeError, read_scope, today

PERIODS = {
    "mois": N_("Ce mois-ci"),
    "mois-dernier": N_("Le mois dernier"),
    "trimestre": N_("Ce trimestre"),
    "pilote": N_("Depuis le début du pilote"),
    "dates": N_("Dates au choix"),
}
DIMENSION_TITLES = {
    "agency": N_("Par agence"), "kind": N_("Par type d’accompagnement"), "partner": N_("Par partenaire"),
    "procedure": N_("Par démarche"), "topic": N_("Par thème numérique"), "equipment": N_("Par matériel utilisé"),
    "age_band": N_("Par âge"), "gender": N_("Par genre"), "status": N_("Par situation professionnelle"),
    "situation": N_("Par situation de fragilité"), "commune": N_("Par commune de résidence"),
    "language": N_("Par langue parlée"), "autonomy": N_("Par niveau d’autonomie"), "outcome": N_("Par résultat"),
    "blocker": N_("Par blocage"), "redirected_to": N_("Par orientation"),
    "workshop_level": N_("Par niveau d’atelier"), "duration_band": N_("Par durée"),
}


def period_dates(period: str, now: date) -> tuple[date, date]:
    """The first and last day of a preset period."""
    if period == "mois-dernier":
        last = now.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if period == "trimestre":
        return date(now.year, 3 * ((now.month - 1) // 3) + 1, 1), now
    if period == "pilote":
        return PILOT_START, now
    return now.replace(day=1), now


def scope_arguments(args) -> tuple[MultiDict, str]:
    """The API's parameters for the page's: a preset becomes its dates."""
    period = args.get("periode") or ("dates" if args.get("from") or args.get("to") else "mois")
    values = MultiDict([(key, value) for key, value in args.items(multi=True) if key in ("agency", "partner", "kind")])
    if period == "dates":
        for key in ("from", "to"):
            if args.get(key):
                values[key] = args[key]
    elif period in PERIODS:
        first, last = period_dates(period, today())
        values["from"], values["to"] = first.isoformat(), last.isoformat()
    return values, period


def agencies_and_partners() -> tuple[dict[str, str], dict[str, str]]:
    """Every agency (by name) and partner (in their order), code to name: for choices and words."""
    import sqlalchemy as sa

    from ..extensions import db
    from ..models import Agency, Partner

    return (dict(db.session.execute(sa.select(Agency.code, Agency.name).order_by(Agency.name)).all()),
            dict(db.session.execute(sa.select(Partner.code, Partner.name).order_by(Partner.position)).all()))


def filter_choices(user) -> list[dict]:
    """The filters the user may change on the page: ``(name, legend, [(code, label)])``."""
    agencies, partners = agencies_and_partners()
    choices = []
    if user.role in ("coordinator", "admin"):
        choices.append({"name": "agency", "legend": _("Agences"), "options": list(agencies.items())})
    if user.role != "partner":
        choices.append({"name": "partner", "legend": _("Partenaires"),
                        "options": [(code, gettext(name)) for code, name in partners.items()]})
    choices.append({"name": "kind", "legend": _("Types d’accompagnement"),
                    "options": [(code, gettext(label)) for code, label in vocab.KINDS.items()]})
    return choices


def bar_rows(rows: list[dict]) -> list[dict]:
    """Rows with the length of their bar (0 to 100), scaled on the largest shown value."""
    largest = max([row["records"] or 0 for row in rows] + [1])
    return [{**row, "length": round(100 * (row["records"] or 0) / largest, 1)} for row in rows]


def series_bars(points: list[dict]) -> dict:
    """The series as bars in a 0..100 box: x, width and height of each, and the top value."""
    top = max([point["records"] or 0 for point in points] + [1])
    width = 100 / max(len(points), 1)
    return {"top": top, "bars": [
        {**point, "x": round(i * width + width * 0.1, 2), "width": round(width * 0.8, 2),
         "height": round(80 * (point["records"] or 0) / top, 2)} for i, point in enumerate(points)]}


def autonomy_mix(months: list[dict]) -> list[dict]:
    """Each month's levels of autonomy as stacked shares of a 0..100 bar (hidden counts: no bar)."""
    mix = []
    for month in months:
        counts = {code: month.get(code) for code in vocab.AUTONOMY}
        known = None if None in counts.values() else sum(counts.values())
        offset, parts = 0.0, []
        for code, value in counts.items():
            width = round(100 * value / known, 2) if known else 0
            parts.append({"code": code, "label": gettext(vocab.AUTONOMY[code]), "count": value, "x": offset,
                          "width": width})
            offset += width
        mix.append({"start": month["start"], "total": known, "parts": parts})
    return mix


def share(part, whole) -> str | None:
    """``part`` of ``whole`` as a whole percentage, or None when either is unknown or empty."""
    if part is None or not whole:
        return None
    return f"{round(100 * part / whole)} %"


def headline(answer: dict) -> dict:
    autonomy = {row["code"]: row["records"] for row in answer["breakdowns"]["autonomy"]}
    stated = [autonomy.get(code) for code in vocab.AUTONOMY]
    known = None if None in stated else sum(stated)
    totals = answer["totals"]
    done = autonomy.get("done_by_advisor")
    alone = None if known is None else autonomy["partly_autonomous"] + autonomy["autonomous"]
    return {
        "hours": round(totals["minutes"] / 60, 1),
        "returning_share": share(totals["returning"], totals["records"]),
        "done_share": share(done, known),
        "autonomous_share": share(alone, known),
    }


def page_scope(args, user) -> tuple[Scope | None, str, ScopeError | None]:
    """The scope of a figures page's URL: ``(scope, period, None)``, or ``(None, period, error)``
    for a bad or out-of-reach parameter (the page says it, with the status of the API)."""
    values, period = scope_arguments(args)
    try:
        return read_scope(values, user), period, None
    except ScopeError as error:
        return None, period, error


PAGE_PARAMETERS = ("periode", "from", "to", "agency", "partner", "kind")


def page_link(endpoint: str, args, scope: Scope | None = None) -> str:
    """Another figures page with the same parameters, any other left out (``url_for`` would take
    ``_scheme`` or ``endpoint`` for its own); with ``scope``, the period as its dates."""
    if scope is not None:
        period = {"periode": "dates", "from": scope.start.isoformat(), "to": scope.end.isoformat()}
        args = MultiDict([*period.items(), *((name, value) for name, value in args.items(multi=True)
                                             if name in ("agency", "partner", "kind"))])
    return url_for(endpoint, **{name: args.getlist(name) for name in PAGE_PARAMETERS if args.getlist(name)})


def scope_words(scope: Scope) -> list[tuple[str, str]]:
    """The scope in words: the period in local dates, then agencies, partners and kinds by name."""
    agencies, partners = agencies_and_partners()
    names = [name for code, name in agencies.items() if code in scope.agencies]
    return [
        (_("Période"), _("du %(first)s au %(last)s", first=format_date(scope.start, "long"),
                          last=format_date(scope.end, "long"))),
        (_("Agences"), _("toutes (%(names)s)", names=", ".join(names)) if len(names) == len(agencies) > 1
         else ", ".join(names)),
        (_("Partenaires"), ", ".join(gettext(name) for code, name in partners.items() if code in scope.partners)
         or _("tous")),
        (_("Types d’accompagnement"), ", ".join(gettext(label) for code, label in vocab.KINDS.items()
                                               if code in scope.kinds) or _("tous")),
    ]


def headline_items(answer: dict) -> list[tuple[str, object]]:
    """The headline figures as ``(label, value)``: a count (None when hidden) or a share's text."""
    totals, shares = answer["totals"], headline(answer)
    return [
        (_("accompagnements"), totals["records"]), (_("personnes accompagnées"), totals["people"]),
        (_("heures d’accompagnement"), shares["hours"]), (_("déjà venues"), shares["returning_share"] or "—"),
        (_("cartes de suivi"), totals["cards"]),
        (_("des accompagnements individuels « fait à sa place »"), shares["done_share"] or "—"),
        (_("autonomes, seuls ou avec un peu d’aide"), shares["autonomous_share"] or "—"),
    ]


def progress_rows(progress: dict) -> list[dict]:
    """Autonomy progress of the followed cards as bar rows: more autonomous, the same, less."""
    labels = {"up": _("Plus autonomes"), "same": _("Autonomie égale"), "down": _("Moins autonomes")}
    return bar_rows([{"code": code, "label": label, "records": progress[code]} for code, label in labels.items()])


def figures_view(scope: Scope) -> dict:
    """What a figures page shows of ``scope``: the answer of /api/v1/stats (with the autonomy mix)
    and each chart ready to draw. The dashboard and the report both draw from this."""
    answer = figures_of(scope, autonomy_mix=True)
    return {
        "answer": answer, "scope": scope, "words": scope_words(scope), "headline": headline_items(answer),
        "charts": [{"name": name, "title": gettext(DIMENSION_TITLES[name]),
                    "rows": bar_rows(answer["breakdowns"][name])} for name in DIMENSIONS],
        "series": series_bars(answer["series"]["points"]), "mix": autonomy_mix(answer["autonomy_by_month"]),
        "progress": progress_rows(answer["autonomy_progress"]),
        "interval_label": _("semaine") if scope.interval == "week" else _("mois"),
    }


@dashboard_bp.get("/tableau-de-bord")
@login_required(*ALL_ROLES)
def index():
    """Figures of the chosen period and filters, within the user's reach."""
    scope, period, error = page_scope(request.args, current_user)
    page = {"periods": PERIODS, "period": period, "args": request.args, "choices": filter_choices(current_user)}
    if error:
        return render_template("dashboard/index.html", error=error.message, **page), error.status
    downloads = {name: url_for(f"figures.{endpoint}", **{**scope.filters(), **(extension or {})})
                 for name, endpoint, extension in [("csv", "export_records", {"extension": "csv"}),
                                                   ("xlsx", "export_records", {"extension": "xlsx"}),
                                                   ("stats", "export_stats", None)]}
    return render_template(
        "dashboard/index.html", **figures_view(scope), **page, error=None, downloads=downloads,
        report=page_link("dashboard.report", request.args, scope),
        may_export_records=current_user.role != "partner")


SILENT_AFTER = timedelta(hours=48)
WAITING_TOO_LONG = timedelta(hours=24)


@dashboard_bp.get("/tableau-de-bord/appareils")
@login_required("manager", "coordinator", "admin")
def devices():
    """Sync health: every tablet or phone that pushed, what it still holds, and which need a call."""
    import sqlalchemy as sa

    from ..extensions import db
    from ..models import Device, User, utcnow

    query = sa.select(Device, User).outerjoin(User, Device.user_id == User.id)
    if current_user.role == "manager":
        query = query.where(User.agency_code == current_user.agency_code)
    now = utcnow()
    rows = []
    for device, user in db.session.execute(query).all():
        silent = device.last_seen_at < now - SILENT_AFTER
        stuck = bool(device.pending_count) and device.pending_since is not None \
            and device.pending_since < now - WAITING_TOO_LONG
        rows.append({"device": device, "user": user, "silent": silent, "stuck": stuck,
                     "outdated": bool(device.app_version) and device.app_version != app_version()})
    rows.sort(key=lambda row: (not (row["silent"] or row["stuck"]), -row["device"].last_seen_at.timestamp()))
    return render_template("dashboard/devices.html", rows=rows, silent_hours=48, waiting_hours=24)
