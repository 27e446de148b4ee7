"""Write the product's housekeeping schedules (connect.periodic) into django-celery-beat."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from connect.periodic import PERIODIC_TASKS


class Command(BaseCommand):
    help = "Periodische Aufgaben (Housekeeping) in Celery Beat eintragen."

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in PERIODIC_TASKS:
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=spec.every_seconds, period=IntervalSchedule.SECONDS
            )
            PeriodicTask.objects.update_or_create(
                name=spec.name,
                defaults={
                    "task": spec.task,
                    "interval": interval,
                    "crontab": None,
                    "enabled": True,
                },
            )
        self.stdout.write(f"{len(PERIODIC_TASKS)} periodische Aufgaben eingetragen.", ending="\n")
