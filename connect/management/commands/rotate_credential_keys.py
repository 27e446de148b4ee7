"""Re-encrypt every stored facilioo password under the first key of CREDENTIAL_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from connect.services.credentials import credential_keys_rotate


class Command(BaseCommand):
    help = "Alle gespeicherten Passwörter mit dem neuesten Schlüssel neu verschlüsseln."

    def handle(self, *args, **options):
        with transaction.atomic():
            rotated, unreadable = credential_keys_rotate()
        self.stdout.write(f"{rotated} Passwörter neu verschlüsselt.")
        if unreadable:
            raise CommandError(
                f"{unreadable} Passwörter sind mit keinem konfigurierten Schlüssel lesbar; "
                "bitte neu eingeben."
            )
