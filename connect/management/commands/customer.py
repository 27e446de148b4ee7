"""customer create --name NAME --erp demo|file:PATH [--profile PROFILE.json|EXAMPLE]
→ prints the customer slug. With ``--profile`` the export at PATH is in the ERP's own layout,
read through that import profile (saved as the customer's active profile)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from connect.exceptions import ApplicationError
from connect.services.customers import customer_create
from connect.services.erp_profiles import erp_profile_save
from integrations.erp.profiles.examples import EXAMPLE_NAMES, EXAMPLES_DIR


class Command(BaseCommand):
    help = "Kunden verwalten: customer create --name NAME --erp demo|file:PATH"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Einen Kunden anlegen und sein Kürzel ausgeben.")
        create.add_argument("--name", required=True)
        create.add_argument("--slug")
        create.add_argument("--erp", default="demo", help="demo oder file:PFAD")
        create.add_argument("--units", type=int, default=200, help="Größe des Demo-Bestands")
        create.add_argument("--seed", type=int, default=1)
        create.add_argument(
            "--profile",
            help="Importprofil (JSON-Datei oder mitgeliefertes Beispiel) für file:PFAD",
        )

    def handle(self, *args, **options):
        erp: str = options["erp"]
        if erp == "demo":
            source, path = "demo", ""
        elif erp.startswith("file:") and len(erp) > len("file:"):
            source, path = "file", erp[len("file:") :]
        else:
            raise CommandError("--erp muss 'demo' oder 'file:PFAD' sein.")
        try:
            with transaction.atomic():  # a refused profile creates no customer
                customer = customer_create(
                    name=options["name"],
                    slug=options["slug"],
                    actor=None,
                    actor_fallback="cli",
                    erp_source=source,
                    erp_path=path,
                    demo_units=options["units"],
                    demo_seed=options["seed"],
                )
                if options.get("profile"):
                    erp_profile_save(
                        customer=customer,
                        actor=None,
                        definition=self._profile_text(options["profile"]),
                    )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(customer.slug)

    @staticmethod
    def _profile_text(given: str) -> str:
        path = Path(given)
        if not path.is_file() and given in EXAMPLE_NAMES:
            path = EXAMPLES_DIR / given / "profile.json"
        if not path.is_file():
            raise CommandError(f"Das Importprofil {given} gibt es nicht.")
        return path.read_text(encoding="utf-8")
