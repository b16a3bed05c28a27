"""What an accompaniment is, whatever asks: the domain shared by the pages and the API.

No views here. ``fields`` (what a record is: the one table of its fields, from which the rules,
the form, the labels, the columns, the OpenAPI schema and the exports are read), ``vocabulary``
(the closed lists), ``judge`` (is a record valid: one judge for the form, the sync API and, as
data, the tablets), ``text`` (text as both judges see it), ``cards`` (follow-up card codes),
``display`` (a record in words), ``access`` (who reads and writes what), ``store`` (the one
write path: create, update, delete and restore, in bulk for a push) and ``bulk`` (its insert).
"""
