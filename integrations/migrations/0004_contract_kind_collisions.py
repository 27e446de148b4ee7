"""Separate rental and owner contracts that shared one facilioo contract.

Before contract ids held the contract kind (``…-MV`` / ``…-EV``), a Mietvertrag and an
Eigentümervertrag with the same number, unit and person had one external id: the one that came
second was adopted onto the first one's facilioo contract and overwrote it. Such a customer has
two unit-contract links on one facilioo id. The link written last is the one facilioo holds now
(its body was sent last) and stays; the others are removed, so the next run creates their
contracts anew under their own ids instead of writing both kinds onto one contract.
"""

from collections import defaultdict

from django.db import migrations

CONTRACT_KEY = "unit_contract\x1f"


def separate_collided_contracts(apps, schema_editor):
    ExternalLink = apps.get_model("integrations", "ExternalLink")
    links = ExternalLink.objects.filter(
        entity="unit-contracts", natural_key__startswith=CONTRACT_KEY, deleted=False
    ).values_list("pk", "customer_id", "facilioo_id", "last_run_id")
    shared = defaultdict(list)
    for pk, customer_id, facilioo_id, last_run_id in links:
        shared[(customer_id, facilioo_id)].append((last_run_id or 0, pk))
    older = [
        pk
        for written in shared.values()
        if len(written) > 1
        for _last_run, pk in sorted(written)[:-1]
    ]
    ExternalLink.objects.filter(pk__in=older).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("integrations", "0003_inspector_field_holds_reconciliation"),
    ]

    operations = [
        migrations.RunPython(separate_collided_contracts, migrations.RunPython.noop),
    ]
