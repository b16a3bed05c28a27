"""API endpoints."""

from datetime import timezone

from flask import current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..auth.guard import public_api
from ..errors import api_error
from ..extensions import db
from ..forms import typed_int
from ..i18n import _, get_locale
from ..models import utcnow
from . import bp
from .envelope import EnvelopeError, limits, parse_push, read_body


def iso_utc(moment) -> str:
    """ISO 8601 in UTC with a ``Z``, as the contract writes server times."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


@bp.get("/me")
def me():
    """Who is signed in, and a fresh CSRF token for the next push."""
    user = current_user
    return jsonify(
        {
            "user": {
                "username": user.username,
                "display_name": user.display_name,
                "role": user.role,
                "agency": user.agency_code,
                "locale": get_locale(),
            },
            "csrf_token": generate_csrf(),
            "server_time": iso_utc(utcnow()),
        }
    )


@bp.get("/reference")
def reference():
    """Catalogues, choices and rules for the tablets; 304 when the tablet's copy is current."""
    from .reference import versioned_reference

    body, version = versioned_reference()
    etag = f'"{version}"'
    if etag in request.if_none_match or version in request.if_none_match:
        response = jsonify()
        response.status_code = 304
        response.data = b""
    else:
        response = jsonify(body)
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response


@bp.post("/sync")
def sync():
    """Push records: each gets its own result, sent only once the batch is committed."""
    try:
        push = parse_push(read_body())
    except EnvelopeError as error:
        extra = {"limits": limits()} if error.status == 413 else {}
        return api_error(error.status, error.error, error.message, **extra)
    from ..accompaniments import store
    from .merge import apply_push

    results = apply_push(current_user._get_current_object(), push)  # not the proxy: read per record
    store.commit()
    return jsonify({"results": results, "server_time": iso_utc(utcnow())})


PULL_DEFAULT_LIMIT = 200
PULL_MAX_LIMIT = 1000


@bp.get("/accompaniments")
def pull():
    """The records the user may read that changed after ``since``, oldest change first."""
    from ..auth.guard import deny_forbidden
    from ..accompaniments.access import READER_ROLES
    from .pull import page

    if current_user.role not in READER_ROLES:  # partners and translators read no record
        return deny_forbidden()
    since_text, limit_text = request.args.get("since", "0") or "0", request.args.get("limit", "")
    since = typed_int(since_text, max_digits=18)  # change numbers fit in 63 bits
    if since is None:
        return api_error(400, "bad_request", _("« since » doit être un curseur rendu par le serveur."))
    limit = typed_int(limit_text) if limit_text else PULL_DEFAULT_LIMIT
    if limit is None or not 1 <= limit <= PULL_MAX_LIMIT:
        return api_error(400, "bad_request", _("« limit » doit être un entier entre 1 et %(max)s.",
                                               max=PULL_MAX_LIMIT))
    items, cursor, more = page(current_user, since, limit)
    body = '{"records":[%s],"cursor":"%d","more":%s}' % (",".join(items), cursor, "true" if more else "false")
    return current_app.response_class(body, mimetype="application/json")


@bp.get("/openapi.json")
@public_api
def openapi():
    """The OpenAPI 3.1 description of this API (no sign-in needed to read it)."""
    from .openapi import openapi_document

    return jsonify(openapi_document())
