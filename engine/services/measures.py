"""Measures of a process: metrics, lead-time distribution, event-log export, drawings and cards."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import IO

from engine.access import policy
from engine.display import DEFAULT_LOCALE
from engine.errors import NotFoundError
from engine.export.rows import Pseudonyms
from engine.export.run import export_log
from engine.metrics.distribution import LeadTimeHistogram, lead_time_histogram
from engine.metrics.report import process_metrics
from engine.metrics.types import MetricsFilter, ProcessMetrics
from engine.persistence.ports import UnitOfWork
from engine.process_card import card_in_source
from engine.render.card import CardPage, build_card
from engine.render.drawing import di_of_version, draw_version, overlay_digest
from engine.render.sources import overlay_from, swimlanes_of_version
from engine.render.viewer import DiagramView, diagram_view
from engine.render.words import language
from engine.services.definitions import latest, latest_source
from engine.services.gate import Caller, check, entry
from engine.services.shared import ServiceBase


class MeasureUseCases(ServiceBase):
    """Measures of a process: metrics, lead-time distribution, event-log export, drawings and cards."""

    def metrics(
        self,
        key: str,
        *,
        version: int | None = None,
        lane: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        segment: str | None = None,
        stuck_after: timedelta | None = None,
        caller: Caller | None = None,
    ) -> ProcessMetrics:
        """Metrics of `key`'s cases (started in [since, until)) from the event log, against the
        targets of its process card; for administrators, its owners and the advisors who see it.
        Raises NotFoundError for an unknown key, AccessDeniedError."""
        self._check_process(caller, key, metrics=True)
        card = self.card(key)
        scope = MetricsFilter(key, version=version, lane=lane, since=since, until=until, segment=segment)
        # a read session: on SQLite it takes no write lock, so steps go on while a large log is measured
        with self._reads() as session:
            _version_exists(self._unit(session), scope)
            metrics = card.metrics if card else ()
            return process_metrics(
                session.connection(), scope, now=self._clock.now(), card_metrics=metrics, stuck_after=stuck_after
            )

    def lead_time_distribution(
        self,
        key: str,
        *,
        version: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        segment: str | None = None,
        bins: int = 12,
        caller: Caller | None = None,
    ) -> LeadTimeHistogram:
        """How many of `key`'s completed cases took how long, in at most `bins` bins of a round
        width. Raises NotFoundError for an unknown key, AccessDeniedError."""
        self._check_process(caller, key, metrics=True)
        scope = MetricsFilter(key, version=version, since=since, until=until, segment=segment)
        with self._reads() as session:
            latest(self._unit(session), key)
            _version_exists(self._unit(session), scope)
            return lead_time_histogram(session.connection(), scope, bins=bins)

    def export_log(
        self,
        key: str,
        fmt: str,
        out: IO[str],
        *,
        real_names: bool = False,
        pseudonym_key: bytes | None = None,
        progress: Callable[[int], None] | None = None,
        caller: Caller | None = None,
    ) -> int:
        """Write `key`'s event log as `fmt` (xes, ocel or csv) to `out`, users pseudonymised unless
        `real_names`; returns the number of events. For whoever sees the process's metrics; each
        exported case is entered in the access log. Raises NotFoundError, AccessDeniedError or
        InvalidDataError."""
        self._check_process(caller, key, metrics=True)
        with self._reads() as session:
            name = latest(self._unit(session), key).process.name
            names = Pseudonyms(pseudonym_key, real_names=real_names)
            written = export_log(
                session.connection(), MetricsFilter(key), fmt, out, process_name=name, names=names, progress=progress
            )
        if caller is not None:
            now = self._clock.now()
            self._audit([entry(caller, "export", now, case_id=i, process_key=key) for i in self.case_ids(key)])
        return written

    def swimlane(
        self,
        key: str,
        fmt: str = "svg",
        *,
        measured: bool = True,
        view: str = "auto",
        locale: str = DEFAULT_LOCALE,
        caller: Caller | None = None,
    ) -> bytes:
        """The latest version of `key` drawn as SVG, PNG or PDF, with measured medians, open tasks
        and handoff counts unless `measured` is False; for whoever sees the process. `view`: "auto"
        (as laid out in the file's BPMN DI when it has one, else the TEM swimlanes), "di" or "tem".
        Its interface words (Tools row, overlays, legend) and values in `locale`: "fi" (default),
        "sv" or "en" (engine/render/words.py); what the diagram's author wrote stays as written.
        Cached per version, view, format, measured values and language, so an unchanged drawing is never
        drawn twice. A caller who does not see the metrics (a customer) gets no measured values.
        Raises NotFoundError, AccessDeniedError, or InvalidDataError (unknown format or view; "di"
        without DI)."""
        measured = self._check_process(caller, key, metrics=False) and measured
        lang = language(locale)
        with self._reads() as session:
            version, source_json = latest_source(self._unit(session), key)
        overlay = overlay_from(self.metrics(key)) if measured else None

        def draw() -> bytes:
            source = json.loads(source_json)
            return draw_version(source, key, card_in_source(source, key), overlay, fmt=fmt, view=view, locale=lang)

        return self._drawings.get((key, str(version), view, fmt, overlay_digest(overlay), lang), draw)

    def card_page(
        self,
        key: str,
        *,
        svg_name: str | None = None,
        measured: bool = True,
        locale: str = DEFAULT_LOCALE,
        caller: Caller | None = None,
    ) -> CardPage:
        """The TEM process card of `key`'s latest version as Markdown and HTML, with measured
        values unless `measured` is False or the caller does not see the metrics (a customer); the
        diagram is referenced as `svg_name` (see swimlane()); for whoever sees the process. Its
        headings, table headers and values in `locale` ("fi" default, "sv", "en"); what the
        process owner wrote in the card stays as written. Raises NotFoundError, AccessDeniedError."""
        measured = self._check_process(caller, key, metrics=False) and measured
        with self._sessions() as session:
            version, source_json = latest_source(self._unit(session), key)
        source = json.loads(source_json)
        card = card_in_source(source, key)
        drawn = swimlanes_of_version(source, key, card)
        as_laid_out = di_of_version(source, key) is not None
        return build_card(
            drawn,
            card,
            self.metrics(key) if measured else None,
            svg_name=svg_name or f"{key}.svg",
            version=version,
            as_laid_out=as_laid_out,
            locale=locale,
        )

    def diagram_view(self, key: str, *, locale: str = DEFAULT_LOCALE, caller: Caller | None = None) -> DiagramView:
        """The latest version's data for the page's diagram viewer, for whoever sees the process;
        measured values only for those who see its metrics (policy.sees_metrics), none for anyone
        else; durations in `locale`. Raises NotFoundError, AccessDeniedError."""
        measured = self._check_process(caller, key, metrics=False)
        latest = self.versions(key)[-1]
        source = self.version_source(key, latest.version)
        return diagram_view(source, key, self.metrics(key) if measured else None, locale=locale)

    def _check_process(self, caller: Caller | None, key: str, *, metrics: bool) -> bool:
        """Whether the caller sees the process (and its measurements, with `metrics`): raises the
        refusal if not. Returns whether the caller sees its measured values (policy.sees_metrics):
        no customer sees them, in drawings and cards as in the metrics."""
        if caller is None:
            return True
        with self._transaction(read=True) as session:
            newest = latest(self._unit(session), key).process
            reason = (policy.metrics_refusal if metrics else policy.process_refusal)(caller.principal, newest)
            check(caller, reason, "read_metrics" if metrics else "read_process", self._clock.now(), process_key=key)
            return policy.sees_metrics(caller.principal, newest)


def _version_exists(uow: UnitOfWork, scope: MetricsFilter) -> None:
    """Raises NotFoundError when `scope` names a version its process does not have (its metrics
    would be all zeros, as if the version had no cases)."""
    if scope.version is not None and uow.versions.find(scope.key, scope.version) is None:
        raise NotFoundError("process version", f"{scope.key} v{scope.version}")
