"""The three downloads (figures contract): read back and compared with the records and figures."""

import csv
import io
from datetime import datetime

import openpyxl
import pytest

from .records_data import record
from .test_stats import MARCH, march, stats, write  # noqa: F401 - ``march`` is a fixture

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(client, what, **params):
    return client.get(f"/api/v1/exports/{what}", query_string=params)


def csv_rows(response) -> list[list[str]]:
    body = response.data
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8")[1:]
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


def test_the_csv_lists_the_records_in_scope_oldest_first_in_words(client, signed_in, march):
    signed_in("coordinator")
    response = download(client, "accompaniments.csv", **MARCH)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="pcn-accompagnements-2026-03-01-2026-03-31.csv"'
    header, *rows = csv_rows(response)
    assert header[:4] == ["id", "Type", "Agence", "Date et heure"] and "Notes" not in header
    assert [row[header.index("Date et heure")] for row in rows] == [
        "2026-03-02 09:41", "2026-03-03 14:00", "2026-03-04 00:15", "2026-03-16 10:00"]
    first = dict(zip(header, rows[0]))
    assert first["Type"] == "Accompagnement individuel" and first["Agence"] == "Tadine (Maré)"
    assert (first["Durée"], first["Nombre de participants"], first["Visite"]) == ("30", "1", "oui")
    assert first["Autonomie"] == "Guidé pas à pas" and first["Carte de suivi"].count("-") == 1
    assert first["Démarches"] and first["Âge"] == "60 à 69 ans"
    workshop = dict(zip(header, rows[1]))
    assert (workshop["Type"], workshop["Nombre de participants"]) == ("Atelier collectif", "8")
    assert "A apporté sa carte Cafat." not in response.get_data(as_text=True)  # notes never leave


def test_text_that_a_spreadsheet_would_run_is_protected(client, signed_in, make_user):
    author = make_user("advisor", username="hostile", agency="TADINE")
    write(author, record("workshop", agency="TADINE", occurred_at="2026-03-03T14:00:00+11:00",
                         workshop_title='=HYPERLINK("http://evil","clic")'))
    write(author, record(occurred_at="2026-03-04T14:00:00+11:00", procedure_detail="+33 600 00 00 00"))
    signed_in("coordinator")
    header, *rows = csv_rows(download(client, "accompaniments.csv", **MARCH))
    assert dict(zip(header, rows[0]))["Titre de l’atelier"] == '\'=HYPERLINK("http://evil","clic")'
    assert dict(zip(header, rows[1]))["Précision sur la démarche"] == "'+33 600 00 00 00"
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, "accompaniments.xlsx", **MARCH).data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert not any(cell.data_type == "f" for cell in cells)  # no formula anywhere
    assert '\'=HYPERLINK("http://evil","clic")' in [cell.value for cell in cells]


def test_the_xlsx_holds_the_same_rows_with_dates_and_numbers(client, signed_in, march):
    signed_in("manager", agency="TADINE")
    header, *rows = csv_rows(download(client, "accompaniments.csv", **MARCH))
    response = download(client, "accompaniments.xlsx", **MARCH)
    assert response.status_code == 200 and response.mimetype == XLSX
    assert response.headers["Content-Disposition"].endswith('pcn-accompagnements-2026-03-01-2026-03-31.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == header and len(values) == 4  # the manager's agency: three records
    for csv_row, xlsx_row in zip(rows, values[1:]):
        moment = xlsx_row[header.index("Date et heure")]
        assert isinstance(moment, datetime) and moment.strftime("%Y-%m-%d %H:%M") == csv_row[3]
        assert isinstance(xlsx_row[header.index("Nombre de participants")], int)
        as_text = ["" if v is None else v.strftime("%Y-%m-%d %H:%M") if isinstance(v, datetime) else str(v)
                   for v in xlsx_row]
        assert as_text == csv_row


def test_the_figures_workbook_says_what_the_api_says(client, signed_in, march):
    signed_in("coordinator")
    answer = stats(client, **MARCH).json
    response = download(client, "stats.xlsx", **MARCH)
    assert response.headers["Content-Disposition"].endswith('pcn-chiffres-2026-03-01-2026-03-31.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames[0] == "Chiffres" and book.sheetnames[-1] == "Évolution"
    assert set(answer["breakdowns"]) <= set(book.sheetnames)
    summary = dict(book["Chiffres"].iter_rows(min_row=2, values_only=True))
    assert (summary["Du"], summary["Au"]) == ("2026-03-01", "2026-03-31")
    assert (summary["Accompagnements"], summary["Personnes"], summary["Plus autonomes"]) == (4, 11, 1)
    kinds = [row for row in book["kind"].iter_rows(min_row=2, values_only=True)]
    assert kinds == [(r["code"], r["label"], r["records"], r["people"]) for r in answer["breakdowns"]["kind"]]
    points = [row for row in book["Évolution"].iter_rows(min_row=2, values_only=True)]
    assert points == [(p["start"], p["records"], p["people"]) for p in answer["series"]["points"]]


def test_partners_get_figures_with_small_cells_hidden_and_never_records(client, signed_in, march):
    signed_in("partner", partner="CAFAT")
    for what in ("accompaniments.csv", "accompaniments.xlsx"):
        refused = download(client, what, **MARCH)
        assert refused.status_code == 403 and refused.json["error"] == "forbidden"
    book = openpyxl.load_workbook(io.BytesIO(download(client, "stats.xlsx", **MARCH).data))
    summary = dict(book["Chiffres"].iter_rows(min_row=2, values_only=True))
    assert summary["Accompagnements"] == "masqué (moins de 5)" and summary["Partenaires"] == "CAFAT"


@pytest.mark.parametrize("what", ["accompaniments.csv", "accompaniments.xlsx", "stats.xlsx"])
def test_exports_keep_the_scope_rules(client, signed_in, auth, what):
    signed_in("advisor", agency="TADINE")
    assert download(client, what, agency="KONE").status_code == 403
    bad = download(client, what, **{"from": "2026-02-30"})
    assert bad.status_code == 400 and "« from »" in bad.json["message"]
    auth.logout()
    assert download(client, what).status_code == 401


def test_records_come_in_pages_without_loss_or_repeat(client, signed_in, make_user, monkeypatch):
    """Read a page at a time (memory stays flat): records at the same minute straddle pages."""
    from pcn_pwa.figures import exports

    monkeypatch.setattr(exports, "PAGE", 2)
    author = make_user("advisor", username="pager", agency="TADINE")
    moments = ["2026-03-02T09:00:00+11:00"] * 3 + ["2026-03-01T08:00:00+11:00", "2026-03-03T08:00:00+11:00"]
    ids = sorted(str(write(author, record(occurred_at=moment)).id) for moment in moments)
    signed_in("coordinator")
    header, *rows = csv_rows(download(client, "accompaniments.csv", **MARCH))
    assert sorted(row[0] for row in rows) == ids and len(rows) == 5
    assert [row[3] for row in rows] == ["2026-03-01 08:00"] + ["2026-03-02 09:00"] * 3 + ["2026-03-03 08:00"]
    sheet = openpyxl.load_workbook(io.BytesIO(download(client, "accompaniments.xlsx", **MARCH).data)).active
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == [row[0] for row in rows]


def calamine_rows(data: bytes, sheet: int = 0) -> list[list]:
    """The rows as Rust's calamine reads them: a second reader, stricter about the zip than openpyxl."""
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(sheet).to_python()


def test_the_records_workbook_reads_the_same_in_a_second_reader(client, signed_in, march):
    signed_in("coordinator")
    data = download(client, "accompaniments.xlsx", **MARCH).data
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Accompagnements"] and book.active.freeze_panes == "A2"
    mine = [list(row) for row in book.active.iter_rows(values_only=True)]
    theirs = calamine_rows(data)
    assert len(theirs) == len(mine) > 1
    for one, other in zip(mine, theirs):
        assert [("" if v is None else v) for v in one] == other


def rows_counted(count, seen):
    """``count`` rows of text that does not compress away, noting how many were taken."""
    import random

    generator = random.Random(count)
    for number in range(count):
        seen.append(number)
        yield [number, "".join(generator.choice("abcdefghijklmnopqrstuvwxyzéà ") for _ in range(60)),
               datetime(2026, 3, 1, 9, number % 60)]


def test_a_large_workbook_starts_leaving_before_its_last_row_is_read():
    """The zip is streamed around XlsxWriter's rows: bytes go out while rows are still being read,
    and what arrives in pieces is a whole workbook."""
    from pcn_pwa.figures.streamed_xlsx import stream_table

    seen = []
    chunks = stream_table("Lignes", ["n", "texte", "quand"], rows_counted(5000, seen))
    first = next(chunks)
    assert first.startswith(b"PK") and seen == []  # the response starts before any row is read
    sizes = []
    for chunk in chunks:
        sizes.append((len(seen), len(chunk)))
    assert sum(1 for taken, size in sizes if taken < 2500 and size) >= 3
    data = first + b"".join(chunk for chunk in stream_table("Lignes", ["n", "texte", "quand"],
                                                            rows_counted(5000, [])))[len(first):]
    rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == ("n", "texte", "quand") and len(rows) == 5001
    assert [row[0] for row in rows[1:]] == list(range(5000))
    assert rows[4000][2] == datetime(2026, 3, 1, 9, 3999 % 60)
    assert calamine_rows(data)[4000][1] == rows[4000][1]


def test_a_table_longer_than_a_sheet_goes_on_in_the_next_sheets_each_with_its_header():
    from pcn_pwa.figures.streamed_xlsx import stream_table

    data = b"".join(stream_table("Accompagnements", ["n", "texte", "quand"], rows_counted(10, []),
                                 rows_per_sheet=4))
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Accompagnements", "Accompagnements (2)", "Accompagnements (3)",
                               "Accompagnements (4)"]
    numbers = []
    for sheet in book.worksheets:
        header, *rows = sheet.iter_rows(values_only=True)
        assert header == ("n", "texte", "quand") and sheet.freeze_panes == "A2" and len(rows) <= 3
        numbers += [row[0] for row in rows]
    assert numbers == list(range(10))
    assert [calamine_rows(data, index)[-1][0] for index in range(4)] == [2, 5, 8, 9]


def test_an_empty_scope_gives_the_header_alone(client, signed_in, march):
    signed_in("coordinator")
    response = download(client, "accompaniments.xlsx", **{"from": "2025-01-01", "to": "2025-01-31"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 and rows[0][0] == "id" and calamine_rows(response.data)[0][0] == "id"


def test_an_abandoned_download_leaves_no_file_behind(tmp_path, monkeypatch):
    import tempfile

    from pcn_pwa.figures.streamed_xlsx import stream_table

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    chunks = stream_table("Lignes", ["n", "texte", "quand"], rows_counted(3000, []))
    next(chunks), next(chunks)
    assert list(tmp_path.iterdir())  # the layout and XlsxWriter's files are being written there
    chunks.close()  # the person closed the tab
    assert list(tmp_path.iterdir()) == []
