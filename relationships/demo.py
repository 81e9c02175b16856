"""Demo data of the key-account programme (called by `manage.py demo` only)."""

from datetime import date

from .models import RelationshipManagerProfile
from .services import rm_profile_save

DEMO_PROFILES = {
    "rm": {"start_date": date(2023, 2, 1), "languages": "Bahasa Indonesia, English, Jawa"},
    "rm2": {"start_date": date(2024, 7, 15), "languages": "Bahasa Indonesia, English, Mandarin"},
}


def load(*, users: dict) -> None:
    for username, fields in DEMO_PROFILES.items():
        if not RelationshipManagerProfile.objects.filter(user=users[username]).exists():
            rm_profile_save(user=users[username], reports_to=users["gm"], **fields)
