"""The advisor's pages: record, list, edit, delete and restore accompaniments; follow-up cards."""

from flask import Blueprint

bp = Blueprint("records", __name__, url_prefix="/accompagnements")

# Who may do what (see the sync contract's "Who may write and read").
WRITER_ROLES = ("advisor", "manager", "admin")
READER_ROLES = ("advisor", "manager", "coordinator", "admin")
RESTORER_ROLES = ("manager", "admin")

from . import routes  # noqa: E402,F401
