"""The three downloads of the figures contract: the records in scope as CSV and XLSX, and the
figures of /api/v1/stats as XLSX.

Records are read in pages of ``PAGE`` (keyset on the local time and id, oldest first), so the
server's memory does not grow with their number: both downloads of records leave as they are
written (the XLSX's zip is streamed around XlsxWriter's rows: ``streamed_xlsx``). The figures'
workbook is small: written to a temporary file, then sent.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from datetime import datetime
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa

from ..accompaniments import cards, fields
from ..accompaniments.display import FIELD_LABELS, code_label
from ..extensions import db, indexed_by
from ..i18n import _, display_timezone
from ..models import Accompaniment
from ..accompaniments.tally import DIMENSIONS, link_codes
from .counting import scope_conditions
from . import streamed_xlsx
from .scope import Scope

PAGE = 1000
# Pages read in time order from this index: SQLite's planner, at a million records, took the
# (agency, time) index and sorted the rest of the period at every page (5.8 s a page).
TIME_INDEX = "ix_accompaniment_occurred_id"
# Every field of a record but the notes, which never leave the server.
EXPORTED = [field.path for field in fields.FIELDS if field.exported]
# What a spreadsheet would take for the start of a formula (formula injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_LINK_FIELD = {"partners": "partner", "procedures": "procedure", "topics": "topic"}


def protect(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def header() -> list[str]:
    return ["id"] + [str(FIELD_LABELS[path]) for path in EXPORTED]


def cell(path: str, value, label=code_label):
    """One exported value: words for codes, local time, numbers as numbers (None when empty);
    ``label`` gives the words of a code (a cached ``code_label`` while a file is written)."""
    if value is None or value == [] or value == "":
        return None
    kind = fields.BY_PATH[path].type
    if kind == "datetime":
        return value.astimezone(display_timezone()).replace(tzinfo=None)
    if kind in ("integer", "text"):
        return value
    if kind == "boolean":
        return _("oui") if value else _("non")
    if kind == "card":
        return cards.display(value)
    if isinstance(value, list):
        return ", ".join(label(path, code) for code in value)
    return label(path, value)


def record_rows(scope: Scope):
    """``[id, values…]`` of every record in scope, oldest first, a page at a time."""
    connection = db.session.connection()
    with _database_file_not_mapped(connection):
        yield from _pages(connection, scope)


@contextmanager
def _database_file_not_mapped(connection):
    """On SQLite, read a download's records without memory-mapping the database file: a year
    read through the map would add up to ``mmap_size`` (256 MB) of the file to the worker's
    resident memory; read with ``pread``, memory stays at SQLite's bounded page cache."""
    if connection.dialect.name != "sqlite":
        yield
        return
    mapped = connection.exec_driver_sql("PRAGMA mmap_size").scalar()
    connection.exec_driver_sql("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA mmap_size={int(mapped)}")


def _pages(connection, scope: Scope):
    table = Accompaniment.__table__
    conditions = scope_conditions(scope)
    label = lru_cache(maxsize=4096)(code_label)  # the same few hundred codes, row after row
    after = None
    while True:
        query = indexed_by(sa.select(table).where(*conditions).order_by(table.c.occurred_at, table.c.id)
                           .limit(PAGE), table, TIME_INDEX)
        if after is not None:
            query = query.where(sa.tuple_(table.c.occurred_at, table.c.id) > after)
        page = connection.execute(query).all()
        if not page:
            return
        links = link_codes(connection, [record.id for record in page])
        for record in page:
            own = links.get(record.id, {})
            data = fields.data_of_row(record, {path: own.get(dimension) for path, dimension in _LINK_FIELD.items()})
            yield [str(record.id)] + [cell(path, fields.get(data, path), label) for path in EXPORTED]
        after = (page[-1].occurred_at, page[-1].id)


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, int):
        return str(value)
    return protect(str(value))


def csv_chunks(scope: Scope):
    """The records in scope as CSV, yielded as it goes."""
    return table_csv_chunks(header(), record_rows(scope))


def table_csv_chunks(titles: list[str], rows):
    """A table as CSV as Excel in French reads it: UTF-8 with a BOM, ``;``, CRLF; no cell taken
    for a formula; yielded as it goes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([protect(text) for text in titles])
    for count, row in enumerate(rows, 1):
        writer.writerow([_csv_text(value) for value in row])
        if count % 200 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _file_chunks(path: str):
    """The file's bytes, then the file is gone."""
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk
    finally:
        os.unlink(path)


def _temporary_path() -> str:
    handle, path = tempfile.mkstemp(prefix="pcn-export-", suffix=".xlsx")
    os.close(handle)
    return path


def records_xlsx(scope: Scope):
    """The records in a sheet, header frozen, dates as dates and numbers as numbers; sent as it
    is written."""
    return streamed_xlsx.stream_table(_("Accompagnements"), header(), record_rows(scope), protect=protect)


def stats_xlsx(answer: dict):
    """The figures of /api/v1/stats: filters and totals, then one sheet per breakdown, then the
    series. Hidden small cells are left empty and marked."""
    path = _temporary_path()
    workbook, formats = streamed_xlsx.new_workbook(path)
    hidden = _("masqué (moins de 5)")

    def table(sheet, titles, rows):
        for column, title in enumerate(titles):
            sheet.write_string(0, column, str(title), formats["bold"])
        for number, values in enumerate(rows, 1):
            streamed_xlsx.write_row(sheet, number, [protect(v) if isinstance(v, str) else v for v in values],
                                    formats)

    summary = workbook.add_worksheet(_("Chiffres")[:31])
    filters, totals, progress = answer["filters"], answer["totals"], answer["autonomy_progress"]
    lines = [
        (_("Du"), filters["from"]), (_("Au"), filters["to"]),
        (_("Agences"), ", ".join(filters["agency"])), (_("Partenaires"), ", ".join(filters["partner"])),
        (_("Types"), ", ".join(filters["kind"])),
        (_("Accompagnements"), totals["records"]), (_("Personnes"), totals["people"]),
        (_("Minutes"), totals["minutes"]), (_("Personnes déjà venues"), totals["returning"]),
        (_("Cartes de suivi"), totals["cards"]),
        (_("Cartes suivies (autonomie)"), progress["cards"]), (_("Plus autonomes"), progress["up"]),
        (_("Autonomie égale"), progress["same"]), (_("Moins autonomes"), progress["down"]),
        (_("Calculé le"), answer["generated_at"]),
    ]
    table(summary, [_("Indicateur"), _("Valeur")],
          [(label, hidden if value is None else value) for label, value in lines])
    for dimension in DIMENSIONS:
        sheet = workbook.add_worksheet(dimension[:31])
        table(sheet, [_("Code"), _("Libellé"), _("Accompagnements"), _("Personnes")],
              [(row["code"], row["label"], hidden if row["records"] is None else row["records"],
                hidden if row["people"] is None else row["people"]) for row in answer["breakdowns"][dimension]])
    series = workbook.add_worksheet(_("Évolution")[:31])
    table(series, [_("Début"), _("Accompagnements"), _("Personnes")],
          [(point["start"], hidden if point["records"] is None else point["records"],
            hidden if point["people"] is None else point["people"]) for point in answer["series"]["points"]])
    workbook.close()
    return _file_chunks(path)
