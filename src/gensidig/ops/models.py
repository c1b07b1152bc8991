"""What the operator's side keeps in the database: which workers are alive, which daily
jobs ran, and counters that several processes add to. None of it names a person."""

from __future__ import annotations

from django.db import models
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """A running `gensidig worker` writes its row every few seconds. A task claimed by a
    worker whose row has gone stale (the lease) was lost with it and is tried again or
    marked failed (see `gensidig.ops.workers.reap_lost_tasks`)."""

    worker_id = models.CharField(_("worker"), max_length=64, primary_key=True)
    hostname = models.CharField(_("host"), max_length=255)
    pid = models.PositiveIntegerField(_("process id"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.worker_id


class DailyRun(models.Model):
    """One row per daily job and local day: the unique constraint is what makes several
    schedulers (or workers running the schedule) enqueue each job once a day."""

    job = models.CharField(_("job"), max_length=40)
    day = models.DateField(_("day"))
    enqueued_at = models.DateTimeField(_("enqueued"), default=timezone.now)
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="daily_run_once")]

    def __str__(self) -> str:
        return f"{self.job} {self.day}"


class Counter(models.Model):
    """A counter that any process (web, worker) adds to, read by /metrics: emails sent and
    failed are counted in the worker but scraped from the web processes."""

    name = models.CharField(_("name"), max_length=80, primary_key=True)
    value = models.BigIntegerField(_("value"), default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"

    @classmethod
    def add(cls, name: str, amount: int = 1) -> None:
        """Add to a counter in the caller's transaction (created on first use)."""
        if not cls.objects.filter(name=name).update(value=F("value") + amount):
            _row, created = cls.objects.get_or_create(name=name, defaults={"value": amount})
            if not created:
                cls.objects.filter(name=name).update(value=F("value") + amount)
