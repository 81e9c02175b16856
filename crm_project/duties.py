"""What each role does in Relasi, shown on its dashboard (DESIGN.md "Users")."""

from django.utils.translation import gettext_lazy as _

from .roles import Role

ROLE_DUTIES = {
    Role.SALES_REP: [
        (
            "telephone",
            _("Keep the loop going"),
            _("Log every call, visit, letter, email and web contact in seconds, also when no order is due."),
        ),
        (
            "calendar-check",
            _("Work your day"),
            _("Follow-ups due today, overdue ones, and customers you have not contacted for too long."),
        ),
        (
            "person-vcard",
            _("Know your customers"),
            _("Record who they are, their family, what they like and dislike, and what they buy elsewhere."),
        ),
    ],
    Role.RELATIONSHIP_MANAGER: [
        (
            "star",
            _("Own your key accounts"),
            _("You manage one or a few key relationships and answer for their health."),
        ),
        (
            "journal-text",
            _("Plan the relationship"),
            _("Write the long-term plan and this year's annual plan, then submit them for approval."),
        ),
        (
            "graph-up-arrow",
            _("See the full picture"),
            _("People, household, interests, feedback, competitors and the RFM trend of each account."),
        ),
    ],
    Role.GENERAL_MANAGER: [
        (
            "bullseye",
            _("Choose the key accounts"),
            _("Nominate the largest and fastest-growing customers and give each a relationship manager."),
        ),
        (
            "card-checklist",
            _("Set the standard"),
            _("Write job descriptions and evaluation criteria, approve or return relationship plans."),
        ),
        (
            "bar-chart",
            _("Evaluate and decide"),
            _("Score relationship managers and judge which segments respond profitably."),
        ),
    ],
    Role.ADMIN: [
        (
            "people",
            _("Manage users and roles"),
            _("Create accounts, put each user in exactly one role group, unlock locked-out users."),
        ),
        ("plug", _("Connect integrations"), _("Give each integration its own user and API token.")),
        ("shield-check", _("Watch security"), _("Failed logins and lockouts are listed here and in the admin.")),
    ],
}

DUTIES_TITLE = {
    Role.SALES_REP: _("Your work as a sales rep"),
    Role.RELATIONSHIP_MANAGER: _("Your work as a relationship manager"),
    Role.GENERAL_MANAGER: _("Your work as general manager"),
    Role.ADMIN: _("Your work as administrator"),
}
