"""A workbook of one table that leaves the server while it is being written.

XlsxWriter (constant-memory mode) writes every cell: its escaping, its dates, its styles. But it
assembles the zip only when the workbook is closed, so a million-row download would send its first
byte after minutes. Here the zip is ours: the sheet's XML goes into a deflate stream row by row,
as XlsxWriter flushes each row (constant-memory mode writes a row out when the next one starts),
and the workbook's other parts (styles, workbook, content types) follow once it is closed. The
zip is written to a pipe that cannot seek (entries carry data descriptors), so memory stays flat.
Two of XlsxWriter's internals are used, both covered by tests/test_exports.py: a worksheet's
``fh`` (where its rows are written) and ``_write_single_row`` (the last row out).

What XlsxWriter would write around the rows (sheet view, frozen header, margins) is taken from a
small workbook of the same layout closed before the first row; its ``<dimension>`` element, which
would be wrong for the streamed rows, is left out (it is optional; readers count the rows).

Excel's sheets end at 1,048,576 rows: longer tables continue on « Title (2) », « Title (3) »…,
each with the header row.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from datetime import datetime
from typing import Callable, Iterable, Iterator

import xlsxwriter

ROWS_PER_SHEET = 1_048_576  # Excel's limit, the header row included
FLUSH_EVERY = 200  # rows between two chunks handed to the server
OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
           "strings_to_numbers": False}
_DIMENSION = re.compile(r"<dimension [^>]*/>")
_SHEET_DATA = re.compile(r"<sheetData>.*</sheetData>|<sheetData/>", re.S)


def new_workbook(path: str, **options):
    """``(workbook, formats)``: the workbook every export writes, with its bold header and dates."""
    workbook = xlsxwriter.Workbook(path, {**OPTIONS, **options})
    return workbook, {"bold": workbook.add_format({"bold": True}),
                      "date": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})}


def write_row(sheet, number: int, values, formats) -> None:
    """One row: dates as dates, numbers as numbers, everything else as text (XlsxWriter's
    options keep text from ever becoming a formula, a number or a link)."""
    for column, value in enumerate(values):
        if value is None:
            continue
        if isinstance(value, datetime):
            sheet.write_datetime(number, column, value, formats["date"])
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(number, column, value)
        else:
            sheet.write_string(number, column, str(value))


class _Pipe(io.RawIOBase):
    """Where the zip is written: bytes wait here until the response takes them."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self._chunks = b"".join(self._chunks), []
        return data


class _Text:
    """What a worksheet writes its rows to instead of its temporary file."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> bytes:
        data, self.parts = "".join(self.parts).encode("utf-8"), []
        return data


def _add_sheet(workbook, title: str, number: int):
    """The ``number``-th sheet of a table, its header row frozen."""
    name = title if number == 1 else f"{title} ({number})"
    sheet = workbook.add_worksheet(name[:31])
    sheet.freeze_panes(1, 0)
    return sheet


def _write_header(sheet, titles, formats) -> None:
    for column, text in enumerate(titles):
        sheet.write_string(0, column, text, formats["bold"])


def _around_rows(directory: str, title: str, titles: list[str]) -> tuple[str, str, str]:
    """``(start of the first sheet, start of the next ones, end of every sheet)`` as XlsxWriter
    writes them for this layout."""
    path = os.path.join(directory, "layout.xlsx")
    workbook, formats = new_workbook(path, tmpdir=directory)
    for number in (1, 2):
        _write_header(_add_sheet(workbook, title, number), titles, formats)
    workbook.close()
    with zipfile.ZipFile(path) as layout:
        first, other = (_DIMENSION.sub("", layout.read(f"xl/worksheets/sheet{n}.xml").decode("utf-8"))
                        for n in (1, 2))
    os.unlink(path)
    (first_start, end), other_start = _SHEET_DATA.split(first), _SHEET_DATA.split(other)[0]
    return first_start, other_start, end


def stream_table(title: str, titles: list[str], rows: Iterable[list],
                 rows_per_sheet: int = ROWS_PER_SHEET,
                 protect: Callable[[str], str] = str) -> Iterator[bytes]:
    """The XLSX of one table (header bold and frozen), yielded in chunks as it is written.

    ``protect`` is applied to every title and text cell (formula injection)."""
    titles = [protect(text) for text in titles]
    with tempfile.TemporaryDirectory(prefix="pcn-export-") as directory:
        first_start, other_start, end = _around_rows(directory, title, titles)
        # Its temporary files in the same directory: gone too when a download is abandoned.
        workbook, formats = new_workbook(os.path.join(directory, "book.xlsx"), tmpdir=directory)
        pipe = _Pipe()
        archive = zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED)
        text = _Text()
        sheets: list = []  # the worksheets, the last one being written
        entry = None

        def start_sheet():
            nonlocal entry
            sheet = _add_sheet(workbook, title, len(sheets) + 1)
            sheet.fh = text  # its rows come to us, not to XlsxWriter's temporary file
            _write_header(sheet, titles, formats)
            sheets.append(sheet)
            entry = archive.open(f"xl/worksheets/sheet{len(sheets)}.xml", "w")
            entry.write(((first_start if len(sheets) == 1 else other_start) + "<sheetData>").encode("utf-8"))

        def finish_sheet():
            sheets[-1]._write_single_row()  # the last row out, as XlsxWriter does when it closes
            entry.write(text.take() + f"</sheetData>{end}".encode("utf-8"))
            entry.close()

        try:
            start_sheet()
            yield pipe.take()
            number = 0  # the row last written in the current sheet
            for values in rows:
                if number + 1 == rows_per_sheet:
                    finish_sheet()
                    start_sheet()
                    number = 0
                number += 1
                write_row(sheets[-1], number, [protect(v) if isinstance(v, str) else v for v in values], formats)
                if number % FLUSH_EVERY == 0:
                    entry.write(text.take())
                    if chunk := pipe.take():
                        yield chunk
            finish_sheet()
            workbook.close()
            with zipfile.ZipFile(workbook.filename) as closed:
                for info in closed.infolist():
                    if not info.filename.startswith("xl/worksheets/sheet"):
                        archive.writestr(info.filename, closed.read(info), zipfile.ZIP_DEFLATED)
            archive.close()
            yield pipe.take()
        finally:  # also when the person closed the tab half-way: XlsxWriter's files closed first
            if not workbook.fileclosed:
                if entry is not None:
                    entry.close()
                archive.close()
                workbook.close()
