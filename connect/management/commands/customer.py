"""customer create --name NAME --erp demo|file:PATH  → prints the customer slug."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connect.exceptions import ApplicationError
from connect.services.customers import customer_create


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

    def handle(self, *args, **options):
        erp: str = options["erp"]
        if erp == "demo":
            source, path = "demo", ""
        elif erp.startswith("file:") and len(erp) > len("file:"):
            source, path = "file", erp[len("file:") :]
        else:
            raise CommandError("--erp muss 'demo' oder 'file:PFAD' sein.")
        try:
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
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(customer.slug)
