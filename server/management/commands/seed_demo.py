"""Creates a small demo data set once, and prints the demo accounts' sign-in details.

Passwords are generated on first creation and kept in ``DATA_DIR/demo-accounts.txt``
so later runs can print them again. Does nothing in production mode.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from server.demo import seed as seed_community

DEMO_USERS = [
    ("admin@demo.edietitian.local", "Avery Admin", Role.ADMIN, "ca-on", "America/Toronto"),
    (
        "moderator@demo.edietitian.local",
        "Morgan Moderator",
        Role.MODERATOR,
        "ca-on",
        "America/Toronto",
    ),
    (
        "dietitian@demo.edietitian.local",
        "Dana Dietitian",
        Role.DIETITIAN,
        "ca-on",
        "America/Toronto",
    ),
    (
        "provider@demo.edietitian.local",
        "Dr. Parker Provider",
        Role.MEDICAL_PROVIDER,
        "ca-on",
        "America/Toronto",
    ),
    ("casey@demo.edietitian.local", "Casey Customer", Role.CUSTOMER, "ca-on", "America/Toronto"),
    ("robin@demo.edietitian.local", "Robin Customer", Role.CUSTOMER, "ca-qc", "America/Montreal"),
    ("sam@demo.edietitian.local", "Sam Customer", Role.CUSTOMER, "ca-bc", "America/Vancouver"),
]


class Command(BaseCommand):
    help = "Create the demo accounts once (embedded mode) and print how to sign in."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.EMBEDDED:
            self.stdout.write("Production mode: no demo data is created.")
            return
        credentials_file = settings.DATA_DIR / "demo-accounts.txt"
        if not User.objects.filter(email=DEMO_USERS[0][0]).exists():
            lines = []
            with transaction.atomic():
                for email, name, role, region, zone in DEMO_USERS:
                    password = secrets.token_urlsafe(9)
                    User.objects.create_user(
                        email,
                        password,
                        display_name=name,
                        role=role,
                        region=region,
                        time_zone=zone,
                        is_superuser=role == Role.ADMIN,
                    )
                    lines.append(f"  {role:<17} {email:<34} {password}")
            credentials_file.parent.mkdir(parents=True, exist_ok=True)
            credentials_file.write_text("\n".join(lines) + "\n")
            credentials_file.chmod(0o600)

        demo = {u.email: u for u in User.objects.filter(email__endswith="@demo.edietitian.local")}
        if len(demo) == len(DEMO_USERS):
            seed_community(demo)  # type: ignore[arg-type]
        if credentials_file.exists():
            self.stdout.write("Demo accounts (role, email, password):")
            self.stdout.write(credentials_file.read_text().rstrip())
