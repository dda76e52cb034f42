import os
import secrets

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Organization, Role, User

DEMO_EMAIL = "demo@nexochat.local"
DEMO_ORGANIZATION = "데모 팀"


class Command(BaseCommand):
    help = "On an empty database, create a demo organization and user and print the login. Otherwise do nothing."

    def handle(self, *args, **options):
        with transaction.atomic():
            if User.objects.exists():
                self.stdout.write("Users already exist; no demo data created.")
                return
            password = os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)
            user = User.objects.create_user(email=DEMO_EMAIL, password=password, name="데모 사용자")
            # Verified, so the demo login works even with ACCOUNT_EMAIL_VERIFICATION=mandatory.
            EmailAddress.objects.create(user=user, email=DEMO_EMAIL, primary=True, verified=True)
            organization = Organization.objects.create(name=DEMO_ORGANIZATION)
            Membership.objects.create(user=user, organization=organization, role=Role.OWNER)
        self.stdout.write(self.style.SUCCESS("Demo organization and user created."))
        self.stdout.write(f"  Organization: {DEMO_ORGANIZATION}")
        self.stdout.write(f"  Email:        {DEMO_EMAIL}")
        self.stdout.write(f"  Password:     {password}")
