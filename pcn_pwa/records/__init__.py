"""The advisor's pages: record, list, edit, delete and restore accompaniments; follow-up cards."""

from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/accompagnements")

from . import routes  # noqa: E402,F401
