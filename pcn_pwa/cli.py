"""``flask seed``, ``flask users``, ``flask translate`` and ``flask figures``: what an admin or a developer runs."""

import sys

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup

from .extensions import db
from . import audit, people
from .models import ROLES, User

# people.placement_problem's keys, in the words of this command.
PLACEMENT_MESSAGES = {
    "agency_required": "A {role} needs --agency.",
    "agency_unknown": "Unknown agency {agency!r}: run 'flask seed' or check the code.",
    "agency_inactive": "Agency {agency!r} is deactivated: choose an active one.",
    "agency_not_for_role": "A {role} works for no single agency: drop --agency.",
    "partner_required": "A partner user needs --partner.",
    "partner_unknown": "Unknown partner {partner!r}.",
    "partner_retired": "Partner {partner!r} is retired: choose an active one.",
    "partner_not_for_role": "Only partner users take --partner.",
}

users_cli = AppGroup("users", help="Manage the people who sign in.")
translate_cli = AppGroup("translate", help="The interface's message catalogues (translations/).")
figures_cli = AppGroup("figures", help="The figures kept as records are written.")
retention_cli = AppGroup("retention", help="How long records keep their notes and follow-up card (privacy.py).")


@figures_cli.command("rebuild")
def figures_rebuild() -> None:
    """Count every record anew into the figures' tallies (after a restore or a change of zone)."""
    from .accompaniments import card_summary, store, tally

    store.lock_changes()  # no record is written while the tallies are counted again
    counted = tally.rebuild(db.session.connection())  # the journal emptied too
    card_summary.rebuild(db.session.connection())
    db.session.commit()
    click.echo(f"Counted {counted} records into the figures.")


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Print what would change; change nothing.")
def retention_apply(dry_run: bool) -> None:
    """Blank the notes and unlink the follow-up cards of records older than RETENTION_MONTHS.

    Safe from cron: a second run finds nothing left to change and says so."""
    from flask import current_app

    from . import privacy

    cutoff = privacy.retention_cutoff()
    months = current_app.config["RETENTION_MONTHS"]
    due = privacy.retention_due(cutoff) if dry_run else privacy.apply_retention(cutoff)
    before = cutoff.date().isoformat()
    if not due.records:
        click.echo(f"Nothing to change: no record dated before {before} ({months} months) keeps notes or a card.")
        return
    verb = "Would change" if dry_run else "Changed"
    click.echo(f"{verb} {due.records} records dated before {before} ({months} months): "
               f"{due.notes} notes blanked, {due.cards} follow-up cards unlinked.")


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also load demo users and about three months of demo records.")
def seed_command(demo: bool) -> None:
    """Load reference data (communes, agencies, partners, procedures, topics); safe to run again."""
    from .seed import DEMO_PASSWORD, DEMO_USERS, seed_demo, seed_reference

    report = seed_demo() if demo else seed_reference()
    click.echo(f"Seeded: {report}.")
    if demo:
        click.echo(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        for username, _name, role, agency, partner in DEMO_USERS[:5]:
            where = agency or partner or ""
            click.echo(f"  {username:<14} {role:<12} {where}")


def _read_password() -> str:
    """From a hidden prompt (twice) on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", "agency_code", help="Agency code, for advisors and managers (e.g. TADINE).")
@click.option("--partner", "partner_code", help="Partner code, for partner users (e.g. CAFAT).")
@click.option("--name", "display_name", help="Name shown in the interface (default: the username).")
@click.option("--locale", default=None, help="Preferred interface language (e.g. fr, en).")
def create_user(username, role, agency_code, partner_code, display_name, locale):
    """Create an account; the password is asked for, or read from stdin."""
    username = User.normalise_username(username)
    if not username or len(username) > 64:
        raise click.UsageError("The username must have 1 to 64 characters.")
    if db.session.scalar(sa.select(User).where(User.username == username)):
        raise click.UsageError(f"User {username!r} already exists.")
    agency_code = agency_code.upper() if agency_code else None
    partner_code = partner_code.upper() if partner_code else None
    problem = people.placement_problem(role, agency_code, partner_code)
    if problem:
        raise click.UsageError(PLACEMENT_MESSAGES[problem].format(role=role, agency=agency_code, partner=partner_code))
    password = _read_password()
    if len(password) < people.MIN_PASSWORD_LENGTH:
        raise click.UsageError(f"The password must have at least {people.MIN_PASSWORD_LENGTH} characters.")
    user = User(
        username=username,
        display_name=display_name or username,
        role=role,
        agency_code=agency_code,
        partner_code=partner_code,
        locale=locale,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()  # its id, for the trail
    audit.record(None, "user.create", f"user/{user.id}", after=people.facts(user))  # by "(commande)"
    db.session.commit()
    click.echo(f"Created {role} {username}.")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate_user(username):
    """Stop an account from signing in; its records stay."""
    user = db.session.scalar(sa.select(User).where(User.username == User.normalise_username(username)))
    if user is None:
        raise click.UsageError(f"No user {username!r}.")
    people.set_active(None, user, False)  # on record, by "(commande)"
    db.session.commit()
    click.echo(f"Deactivated {user.username}: their devices are signed out at their next request.")


@users_cli.command("list")
def list_users():
    """List accounts with their role and agency or partner."""
    for user in db.session.scalars(sa.select(User).order_by(User.role, User.username)):
        state = "" if user.active else " (inactive)"
        click.echo(f"{user.username:<24} {user.role:<12} {user.agency_code or user.partner_code or ''}{state}")


def _pybabel(*args: str) -> None:
    """Run a pybabel command in-process; a failure stops with its exit code."""
    from babel.messages.frontend import CommandLineInterface

    try:
        code = CommandLineInterface().run(["pybabel", *args])  # compile returns 1 on errors
    except SystemExit as exit_:
        code = exit_.code
    if code:
        raise click.exceptions.Exit(code if isinstance(code, int) else 1)


def _translations_dir() -> str:
    from flask import current_app

    return current_app.config["TRANSLATIONS_DIR"]


@translate_cli.command("extract")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Where to write (default: messages.pot).")
def translate_extract(output: str | None) -> None:
    """Collect the wrapped French strings of the code and templates into messages.pot, with the
    comments left for translators (``# I18N: ...``)."""
    import os

    from flask import current_app

    root = os.path.dirname(current_app.root_path)  # the project: babel.cfg names pcn_pwa/ from there
    _pybabel("extract", "-F", os.path.join(root, "babel.cfg"), "-k", "_l", "-k", "N_", "--add-comments", "I18N:",
             "--no-location", "--sort-output", "--project=pcn_pwa",
             "-o", output or os.path.join(_translations_dir(), "messages.pot"), root)


@translate_cli.command("update")
def translate_update() -> None:
    """Bring every shipped catalogue (translations/<code>/) up to date with messages.pot."""
    import os

    _pybabel("update", "-i", os.path.join(_translations_dir(), "messages.pot"), "-d", _translations_dir(),
             "--ignore-obsolete")


@translate_cli.command("compile")
def translate_compile() -> None:
    """Compile the shipped catalogues into the .mo files the app reads."""
    _pybabel("compile", "--use-fuzzy", "-d", _translations_dir(), "--statistics")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
def backup_command(path: str) -> None:
    """Copy the database to PATH (a new file), consistently, while the app serves."""
    from . import backup

    try:
        done = backup.make(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    records = "" if done.records is None else f", {done.records} records"
    click.echo(f"Backup written to {done.path} ({done.size:,} bytes{records}).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask first (for scripts).")
def restore_command(path: str, yes: bool) -> None:
    """Replace everything in the database with the backup at PATH."""
    from . import backup

    try:
        backup.check(path)
        if not yes:
            click.confirm(f"Everything in the database will be replaced by {path}: records and changes made since "
                          "that backup will be lost. Restore?", abort=True)
        done = backup.restore(path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {done.path}: {done.records} records. If the backup comes from an older version of the "
               "app, run `flask db upgrade` now.")


def register_commands(app: Flask) -> None:
    app.cli.add_command(seed_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(translate_cli)
    app.cli.add_command(figures_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
