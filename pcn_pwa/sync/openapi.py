"""The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.

Written by hand from the sync contract; tests check that the app's answers conform to it
(and schemathesis throws generated requests at it).
"""

from ..accompaniments import fields
from ..accompaniments import vocabulary as vocab

ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731


def _codes(values) -> dict:
    return {"type": "string", "enum": list(values)}


def _error_response(description: str, schema: str = "Error") -> dict:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


ERRORS = {
    "401": _error_response("Not signed in, or the session expired (`auth_required`)."),
    "500": _error_response("Server error (`server_error`); nothing was stored: retry later."),
}

PARENTS = {"beneficiary": "The person accompanied. Never a name, phone or address."}


def field_schema(field) -> dict:
    """The JSON schema of one field of the table; null is allowed where absence is."""
    if field.type == "codes":
        items = _codes(field.vocabulary) if field.vocabulary else {"type": "string"}
        return {"type": "array", "items": items}
    schema = {"type": {"integer": "integer", "boolean": "boolean"}.get(field.type, "string")}
    if field.type == "datetime":
        schema["format"] = "date-time"
    if field.vocabulary:
        schema["enum"] = list(field.vocabulary)
    if field.type == "integer":
        schema.update(minimum=field.min, maximum=field.max)
    if field.max_length:
        schema["maxLength"] = field.max_length
    if field.description:
        schema["description"] = field.description
    if not field.required and field.default is None:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"].append(None)
    return schema


def data_schema() -> dict:
    """The schema of a record's ``data``, from the table of fields."""
    properties: dict = {}
    for field in fields.FIELDS:
        if field.parent:
            parent = properties.setdefault(field.parent, {
                "type": "object", "description": PARENTS[field.parent], "properties": {}})
            parent["properties"][field.leaf] = field_schema(field)
        else:
            properties[field.path] = field_schema(field)
    return {
        "type": "object",
        "description": "The fields of an accompaniment; their rules are in /api/v1/reference `rules`. "
                       "A record that breaks them gets `invalid`, not a 400. Unknown fields are ignored.",
        "properties": properties,
    }


DATA = data_schema()

VERSION = {"type": "integer", "minimum": 1}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ["bad_request", "csrf", "auth_required", "forbidden", "not_found",
                                                 "method_not_allowed", "too_large", "too_many_requests",
                                                 "server_error"]},
            "message": {"type": "string"},
        },
    },
    "TooLarge": {
        "allOf": [ref("Error")],
        "required": ["limits"],
        "properties": {"limits": {"type": "object", "required": ["max_records", "max_bytes"],
                                  "properties": {"max_records": {"type": "integer"},
                                                 "max_bytes": {"type": "integer"}}}},
    },
    "Me": {
        "type": "object",
        "required": ["user", "csrf_token", "server_time"],
        "properties": {
            "user": {"type": "object", "required": ["username", "display_name", "role", "agency", "locale"],
                     "properties": {"username": {"type": "string"}, "display_name": {"type": "string"},
                                    "role": _codes(["advisor", "manager", "partner", "coordinator", "admin",
                                                                    "translator"]),
                                    "agency": {"type": ["string", "null"]}, "locale": {"type": "string"}}},
            "csrf_token": {"type": "string", "minLength": 1},
            "server_time": {"type": "string", "format": "date-time"},
        },
    },
    "CodeLabel": {"type": "object", "required": ["code", "label"],
                  "properties": {"code": {"type": "string"}, "label": {"type": "string"}}},
    "Reference": {
        "type": "object",
        "required": ["version", "agencies", "partners", "procedures", "topics", "languages", "choices", "rules"],
        "properties": {
            "version": {"type": "string"},
            "agencies": {"type": "array", "items": {
                "type": "object", "required": ["code", "name", "province", "active"],
                "properties": {"code": {"type": "string"}, "name": {"type": "string"},
                               "commune": {"type": "string", "description": "INSEE code of its commune"},
                               "province": _codes(["sud", "nord", "iles"]), "active": {"type": "boolean",
                               "description": "false: deactivated, it takes no new record (its records stay)"}}}},
            "partners": {"type": "array", "items": {"type": "object", "required": ["code", "name"]}},
            "procedures": {"type": "array", "items": {"type": "object", "required": ["code", "partner", "label"]}},
            "topics": {"type": "array", "items": ref("CodeLabel")},
            "languages": {"type": "array", "items": {"type": "object", "required": ["code", "name"]}},
            "choices": {"type": "object"},
            "fields": {"type": "array", "items": {
                "type": "object", "required": ["code", "label"],
                "properties": {"code": {"type": "string"}, "label": {"type": "string"},
                               "kinds": {"type": "array", "items": {"type": "string"}}}},
                       "description": "A record's fields in reading order, with their names; for a field "
                                      "some kinds never ask, the kinds that do (a record's page leaves "
                                      "it out of the others)."},
            "rules": {"type": "object", "required": ["fields", "lists", "cross", "messages", "text", "card"]},
        },
    },
    "Data": DATA,
    "PushedRecord": {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "base_version": {"type": "integer", "minimum": 0,
                             "description": "0 for a record the server never acknowledged."},
            "client_updated_at": {"type": "string", "format": "date-time"},
            "deleted": {"type": "boolean"},
            "data": ref("Data"),
        },
    },
    "SyncRequest": {
        "type": "object",
        "required": ["records"],
        "properties": {
            "device_id": {"type": "string", "format": "uuid"},
            "pending": {"type": "integer", "minimum": 0, "maximum": 1_000_000_000,
                        "description": "Records the device held unsent when it sent this push, this batch "
                                       "included (sync health)."},
            "app_version": {"type": "string", "pattern": "^[0-9A-Za-z._-]{1,40}$",
                            "description": "The version of the app on the device (sync health)."},
            "records": {"type": "array", "maxItems": 500, "items": ref("PushedRecord")},
        },
    },
    "SyncResult": {
        "type": "object",
        "required": ["id", "status"],
        "properties": {
            "id": {"type": "string", "format": "uuid"},
            "status": _codes(["created", "updated", "unchanged", "conflict", "invalid", "forbidden"]),
            "version": VERSION,
            "server_data": ref("Data"),
            "deleted": {"type": "boolean"},
            "errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
            "message": {"type": "string"},
        },
        "allOf": [
            {"if": {"properties": {"status": {"enum": ["created", "updated", "unchanged"]}}},
             "then": {"required": ["version"]}},
            {"if": {"properties": {"status": {"const": "conflict"}}},
             "then": {"required": ["version", "server_data", "deleted"]}},
            {"if": {"properties": {"status": {"const": "invalid"}}}, "then": {"required": ["errors"]}},
            {"if": {"properties": {"status": {"const": "forbidden"}}}, "then": {"required": ["message"]}},
        ],
    },
    "SyncResponse": {
        "type": "object",
        "required": ["results", "server_time"],
        "properties": {"results": {"type": "array", "items": ref("SyncResult")},
                       "server_time": {"type": "string", "format": "date-time"}},
    },
    "PulledRecord": {
        "type": "object",
        "required": ["id", "version", "data", "updated_at", "deleted"],
        "properties": {"id": {"type": "string", "format": "uuid"}, "version": VERSION, "data": ref("Data"),
                       "updated_at": {"type": "string", "format": "date-time"}, "deleted": {"type": "boolean"}},
    },
    "PullResponse": {
        "type": "object",
        "required": ["records", "cursor", "more"],
        "properties": {"records": {"type": "array", "items": ref("PulledRecord")},
                       "cursor": {"type": "string", "pattern": "^[0-9]+$"}, "more": {"type": "boolean"}},
    },
    "Count": {"type": ["integer", "null"], "minimum": 0,
              "description": "null when hidden as a small cell (partner users, counts 1 to 4)."},
    "StatsResponse": {
        "type": "object",
        "required": ["filters", "totals", "breakdowns", "series", "autonomy_progress", "generated_at"],
        "properties": {
            "filters": {"type": "object", "required": ["from", "to", "agency", "partner", "kind"],
                        "properties": {"from": {"type": "string", "format": "date"},
                                       "to": {"type": "string", "format": "date"},
                                       "agency": {"type": "array", "items": {"type": "string"}},
                                       "partner": {"type": "array", "items": {"type": "string"}},
                                       "kind": {"type": "array", "items": {"type": "string"}}}},
            "totals": {"type": "object", "required": ["records", "people", "minutes", "returning", "cards"],
                       "properties": {"records": ref("Count"), "people": ref("Count"),
                                      "minutes": {"type": "integer", "minimum": 0}, "returning": ref("Count"),
                                      "cards": ref("Count"), "suppressed": {"type": "boolean"}}},
            "breakdowns": {"type": "object", "additionalProperties": {"type": "array", "items": {
                "type": "object", "required": ["code", "label", "records", "people"],
                "properties": {"code": {"type": "string"}, "label": {"type": "string"}, "records": ref("Count"),
                               "people": ref("Count"), "suppressed": {"type": "boolean"}}}}},
            "series": {"type": "object", "required": ["interval", "points"], "properties": {
                "interval": {"type": "string", "enum": ["week", "month"]},
                "points": {"type": "array", "items": {
                    "type": "object", "required": ["start", "records", "people"],
                    "properties": {"start": {"type": "string", "format": "date"}, "records": ref("Count"),
                                   "people": ref("Count"), "suppressed": {"type": "boolean"}}}}}},
            "autonomy_progress": {"type": "object", "required": ["cards", "up", "same", "down"],
                                  "properties": {"cards": ref("Count"), "up": ref("Count"), "same": ref("Count"),
                                                 "down": ref("Count"), "suppressed": {"type": "boolean"}}},
            "generated_at": {"type": "string", "format": "date-time"},
        },
    },
}

EXPORTS = [
    ("accompaniments.csv", "export_records_csv", "The records in scope, one row each (UTF-8 with BOM, `;`, CRLF)",
     "text/csv"),
    ("accompaniments.xlsx", "export_records_xlsx", "The records in scope as a workbook",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("stats.xlsx", "export_stats_xlsx", "The figures of /api/v1/stats for the same scope, as a workbook",
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
]
_DAY_PARAMETER = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_CODES_PARAMETER = {"type": "array", "items": {"type": "string"}}
SCOPE_PARAMETERS = [
    {"name": "from", "in": "query", "required": False, "schema": _DAY_PARAMETER,
     "description": "First local day (Nouméa) counted; default 1 January of the year of `to`."},
    {"name": "to", "in": "query", "required": False, "schema": _DAY_PARAMETER,
     "description": "Last local day counted (inclusive); default today."},
    {"name": "agency", "in": "query", "required": False, "schema": _CODES_PARAMETER, "explode": True,
     "description": "Agency codes; default every agency the user may see."},
    {"name": "partner", "in": "query", "required": False, "schema": _CODES_PARAMETER, "explode": True,
     "description": "A record counts when it lists any of these partners."},
    {"name": "kind", "in": "query", "required": False, "schema": {"type": "array", "items": _codes(vocab.KINDS)},
     "explode": True},
]


def openapi_document() -> dict:
    """The whole document (built per call: cheap, and always what the code says)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PCN sync API",
            "version": "1",
            "description": "How tablets of the points conseil numérique sync accompaniments. Sign in at "
                           "/login (cookie session); send the X-CSRFToken header, fetched from /api/v1/me, "
                           "with every POST. Every answer is JSON, errors included.",
        },
        "servers": [{"url": "/"}],
        "security": [{"session": []}],
        "paths": {
            "/api/v1/me": {"get": {
                "operationId": "me",
                "summary": "Who is signed in, and a fresh CSRF token",
                "responses": {"200": {"description": "The user", "content": {"application/json": {
                    "schema": ref("Me")}}}, **ERRORS},
            }},
            "/api/v1/reference": {"get": {
                "operationId": "reference",
                "summary": "Catalogues, choices and record rules, in the user's language",
                "parameters": [{"name": "If-None-Match", "in": "header", "required": False,
                                "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "Reference data",
                            "headers": {"ETag": {"schema": {"type": "string"}}},
                            "content": {"application/json": {"schema": ref("Reference")}}},
                    "304": {"description": "The copy named by If-None-Match is current"},
                    **ERRORS,
                },
            }},
            "/api/v1/sync": {"post": {
                "operationId": "sync",
                "summary": "Push records; one result per record, in order, after commit",
                "security": [{"session": [], "csrf": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("SyncRequest")}}},
                "responses": {
                    "200": {"description": "Results", "content": {"application/json": {
                        "schema": ref("SyncResponse")}}},
                    "400": _error_response("Unsound envelope (`bad_request`) or missing/stale CSRF token (`csrf`)"),
                    "413": _error_response("Over 500 records or 2 MB, before or after gzip", "TooLarge"),
                    "415": _error_response("A Content-Encoding other than gzip"),
                    **ERRORS,
                },
            }},
            "/api/v1/accompaniments": {"get": {
                "operationId": "pull",
                "summary": "Records the user may read, changed after `since`, oldest change first",
                "parameters": [
                    {"name": "since", "in": "query", "required": False,
                     "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
                     "description": "A cursor returned by this endpoint; none: from the start."},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 200}},
                ],
                "responses": {
                    "200": {"description": "A page", "content": {"application/json": {
                        "schema": ref("PullResponse")}}},
                    "400": _error_response("A bad `since` or `limit`"),
                    "403": _error_response("Partner users read no record (`forbidden`)"),
                    **ERRORS,
                },
            }},
            "/api/v1/stats": {"get": {
                "operationId": "stats",
                "summary": "The figures of the records in scope (totals, breakdowns, series, autonomy progress)",
                "parameters": [*SCOPE_PARAMETERS,
                               {"name": "interval", "in": "query", "required": False,
                                "schema": {"type": "string", "enum": ["week", "month"]},
                                "description": "Default: week for at most 182 days, else month."}],
                "responses": {
                    "200": {"description": "The figures; partner users get small cells hidden",
                            "content": {"application/json": {"schema": ref("StatsResponse")}}},
                    "400": _error_response("A bad parameter (the message names it)"),
                    "403": _error_response("An agency or partner outside the user's reach (`forbidden`)"),
                    **ERRORS,
                },
            }},
            **{f"/api/v1/exports/{name}": {"get": {
                "operationId": operation,
                "summary": summary,
                "parameters": SCOPE_PARAMETERS,
                "responses": {
                    "200": {"description": "The file, streamed (`Content-Disposition: attachment`)",
                            "content": {mimetype: {"schema": {"type": "string", "format": "binary"}}}},
                    "400": _error_response("A bad parameter (the message names it)"),
                    "403": _error_response("Out of the user's reach; partner users get no record (`forbidden`)"),
                    **ERRORS,
                },
            }} for name, operation, summary, mimetype in EXPORTS},
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "pcn_session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }
