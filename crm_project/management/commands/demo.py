from django.core.management.base import BaseCommand

from crm_project.demo import DEMO_PASSWORD, DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Load the Relasi demo: a user per role and realistic data (idempotent)."

    def handle(self, *args, **options) -> None:
        demo_load()
        self.stdout.write(self.style.SUCCESS(f"Relasi demo is ready. Demo logins (password: {DEMO_PASSWORD}):"))
        for spec in DEMO_USERS:
            self.stdout.write(f"  {spec.username:<6} {spec.role.value}")
