"""Admin pages."""

import sqlalchemy as sa
from flask import render_template

from ..auth.guard import login_required
from ..extensions import db
from ..models import User
from . import bp


@bp.get("/utilisateurs")
@login_required("admin")
def users():
    """Every account, by role, with where it works and when it last signed in."""
    accounts = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", accounts=accounts)
