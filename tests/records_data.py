"""Valid accompaniments to start tests from: one per kind, as a tablet would send them."""

import copy
from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # 11:00 in Nouméa

VALID = {
    "individual": {
        "agency": "TADINE",
        "kind": "individual",
        "occurred_at": "2026-03-02T09:41:00+11:00",
        "duration_minutes": 30,
        "participants": 1,
        "partners": ["CAFAT"],
        "procedures": ["CAFAT_CERTIFICATE"],
        "procedure_detail": "Attestation pour l’employeur",
        "topics": ["ADMIN_PROCEDURES"],
        "equipment": ["agency_computer"],
        "beneficiary": {
            "age_band": "60_69", "gender": "f", "status": "retired",
            "situations": ["no_computer_at_home"], "commune": "98815",
            "returning": True, "language": "nen",
        },
        "autonomy": "guided",
        "outcome": "completed",
        "blockers": [],
        "notes": "A apporté sa carte Cafat.",
    },
    "workshop": {
        "agency": "KONE", "kind": "workshop", "occurred_at": "2026-03-01T14:00:00+11:00",
        "duration_minutes": 90, "participants": 8, "topics": ["ONLINE_SAFETY"],
        "workshop_title": "Se protéger des arnaques", "workshop_level": "beginner",
    },
    "quick_help": {"agency": "YATE", "kind": "quick_help", "occurred_at": "2026-03-02T10:00:00+11:00",
                   "topics": ["BROWSING"]},
    "free_access": {"agency": "BOURAIL", "kind": "free_access", "occurred_at": "2026-03-02T08:00:00+11:00",
                    "duration_minutes": 45, "topics": ["JOB_SEARCH"]},
}


def record(example="individual", **changes):
    """A valid record of kind ``example`` with ``changes`` applied (``beneficiary__age_band=…`` for
    nested fields, ``field=...`` to remove one)."""
    data = copy.deepcopy(VALID[example])
    for key, value in changes.items():
        if "__" in key:
            parent, child = key.split("__")
            data.setdefault(parent, {})[child] = value
        elif value is ...:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def future(hours: float) -> str:
    return (NOW + timedelta(hours=hours)).isoformat()
