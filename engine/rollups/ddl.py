"""The SQL of the rollups for SQLite and PostgreSQL: row triggers on task_span and case that add a
row's share to its rollup rows and take back the old share on UPDATE and DELETE, and the GROUP BY
statements that rebuild the rollups from the tables they sum.

Triggers rather than code in each writer: a step, a claim, a case migration, the span rebuild and a
bulk load all keep the rollups right in their own transaction, and a step sends no extra statement."""

from __future__ import annotations

import re
from dataclasses import replace

from engine.rollups.spec import Rollup, bucket_sql, buckets, case_ended, case_started, handoff, lead_bucket, stage

_MONTH = {"sqlite": "strftime('%Y-%m', {x})", "postgresql": "to_char(timezone('UTC', {x}), 'YYYY-MM')"}
# the same arithmetic as engine.metrics.dialect.Dialect.seconds_between, so the figures are equal
_LEAD = {
    "sqlite": "((julianday({r}.ended_at) - julianday({r}.started_at)) * 86400.0)",
    "postgresql": "CAST(EXTRACT(epoch FROM {r}.ended_at - {r}.started_at) AS FLOAT)",
}
# what changes a case's share: a step rewrites status and ended_at every time, mostly unchanged
# an UPDATE of a span that keeps its rollup rows (a claim, a completion, a cancellation) adds the
# difference in one statement per rollup instead of taking the old share back and adding the new
_KEYS = ("process_key", "process_version_id", "ready_at", "element_id", "lane", "from_lane", "case_id")
# since 0015 a span whose element_type changes goes through the full path too, so the kept path's
# delta leaves out the sums that depend on kept columns alone (spans, instants, handoffs' n)
_KEPT = {12: _KEYS, 15: (*_KEYS, "element_type")}
# the columns the sums read besides the kept ones: an UPDATE that sets none of them changes no sum
_MEASURED = ("completed_at", "cancelled_at", "claimed_at", "duration_s", "waiting_s", "working_s", "pickup_s")
# the stage sums a span can add while none of _MEASURED but pickup_s is set (the others add 0)
_OPEN_SUMS = ("spans", "instants", "open_now")
_CASE_CHANGED = " OR ".join(
    f"OLD.{c} {{ne}} NEW.{c}" for c in ("process_key", "process_version_id", "status", "started_at", "ended_at")
)
_PG_BUCKET = "rollup_bucket_of(CAST({v} AS FLOAT))"
_PG_BUCKET_FUNCTION = (
    "CREATE FUNCTION rollup_bucket_of(v FLOAT) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$ SELECT "
    + bucket_sql("v", "CAST(floor({x}) AS INTEGER)")
    + " $$"
)


SQLITE_TRIGGERS = (
    "rollup_span_insert",
    "rollup_span_update",
    "rollup_span_update_kept",
    "rollup_span_delete",
    "rollup_case_insert",
    "rollup_case_update",
    "rollup_case_delete",
    # since 0015
    "rollup_span_insert_open",
    "rollup_span_insert_handoff",
    "rollup_span_insert_values",
    "rollup_span_update_handoff",
    "rollup_span_update_duration_s",
    "rollup_span_update_waiting_s",
    "rollup_span_update_working_s",
)
# the revisions whose trigger bodies RollupSql writes: 0012 made them, 0015 made them cheaper
REVISIONS = (12, 15)


class RollupSql:
    """The rollups' statements for one dialect name ('sqlite' or 'postgresql'); the triggers as the
    migration `revision` (12 or 15, see REVISIONS) made them. ValueError for anything else."""

    def __init__(self, dialect: str, revision: int = REVISIONS[-1]) -> None:
        if dialect not in _MONTH:
            raise ValueError(f"rollups support SQLite and PostgreSQL, not {dialect}")
        if revision not in REVISIONS:
            raise ValueError(f"rollup triggers exist as made by migrations {REVISIONS}, not {revision}")
        self.dialect, self.revision = dialect, revision
        self.kept = _KEPT[revision]
        month = _MONTH[dialect]
        self.stage, self.handoff = stage(month), handoff(month)
        self.case_started, self.case_ended = case_started(month), case_ended(month, _LEAD[dialect])
        bucket = bucket_sql("{v}", "CAST({x} AS INTEGER)") if dialect == "sqlite" else _PG_BUCKET
        self.buckets = buckets(bucket)
        self.lead_bucket = lead_bucket(bucket, _LEAD[dialect])

    def lead(self, r: str) -> str:
        return _LEAD[self.dialect].format(r=r)

    def add(self, rollup: Rollup, r: str) -> str:
        """Add row `r`'s share (INSERT … ON CONFLICT DO UPDATE)."""
        t = rollup.table
        columns = [*rollup.keys, *rollup.sums, *rollup.mins, *rollup.maxes]
        merged = [f"{c} = {t}.{c} + excluded.{c}" for c, _ in rollup.sums]
        merged += [
            f"{c} = CASE WHEN excluded.{c} IS NULL THEN {t}.{c} WHEN {t}.{c} IS NULL OR excluded.{c} < {t}.{c} THEN excluded.{c} ELSE {t}.{c} END"
            for c, _ in rollup.mins
        ]
        merged += [
            f"{c} = CASE WHEN excluded.{c} IS NULL THEN {t}.{c} WHEN {t}.{c} IS NULL OR excluded.{c} > {t}.{c} THEN excluded.{c} ELSE {t}.{c} END"
            for c, _ in rollup.maxes
        ]
        return (
            f"INSERT INTO {t} ({', '.join(c for c, _ in columns)}) "
            f"SELECT {', '.join(e.format(r=r) for _, e in columns)} WHERE {rollup.only.format(r=r)} "
            f"ON CONFLICT ({', '.join(c for c, _ in rollup.keys)}) DO UPDATE SET {', '.join(merged)}"
        )

    def sub(self, rollup: Rollup, r: str) -> str:
        """Take row `r`'s share back; MIN and MAX columns stay (only a rebuild deletes spans)."""
        sets = ", ".join(f"{c} = {c} - ({e.format(r=r)})" for c, e in rollup.sums)
        match = " AND ".join(f"{c} = {e.format(r=r)}" for c, e in rollup.keys)
        return f"UPDATE {rollup.table} SET {sets} WHERE {match} AND {rollup.only.format(r=r)}"

    def delta(self, rollup: Rollup) -> str:
        """Add NEW's share minus OLD's to the row both belong to (the keys unchanged)."""

        def share(e: str, r: str) -> str:
            return f"CASE WHEN {rollup.only.format(r=r)} THEN {e.format(r=r)} ELSE 0 END"

        def moves(e: str) -> bool:  # since 0015: a sum of kept columns alone is the same for OLD and NEW
            read = set(re.findall(r"\{r\}\.(\w+)", e + " " + rollup.only))
            return self.revision == 12 or not read <= set(self.kept)

        sets = ", ".join(f"{c} = {c} + ({share(e, 'NEW')}) - ({share(e, 'OLD')})" for c, e in rollup.sums if moves(e))
        match = " AND ".join(f"{c} = {e.format(r='NEW')}" for c, e in rollup.keys)
        return f"UPDATE {rollup.table} SET {sets} WHERE {match}"

    def fact(self, r: str) -> str:
        """Insert or refresh the case's case_fact row (its handoff count stays)."""
        lead = f"CASE WHEN {r}.status = 'completed' THEN {self.lead(r)} END"
        return (
            f"INSERT INTO case_fact (case_id, process_key, process_version_id, lead_s, handoffs) "
            f"VALUES ({r}.id, {r}.process_key, {r}.process_version_id, {lead}, 0) "
            "ON CONFLICT (case_id) DO UPDATE SET process_key = excluded.process_key, "
            "process_version_id = excluded.process_version_id, lead_s = excluded.lead_s"
        )

    @staticmethod
    def handoffs(r: str, sign: str) -> str:
        return f"UPDATE case_fact SET handoffs = handoffs {sign} 1 WHERE case_id = {r}.case_id AND {r}.from_lane IS NOT NULL"

    def install(self) -> list[str]:
        """CREATE statements of the triggers (and PostgreSQL's trigger functions)."""
        return self._sqlite() if self.dialect == "sqlite" else self._postgresql()

    def drop(self) -> list[str]:
        if self.dialect == "sqlite":
            return [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]
        return [
            "DROP FUNCTION IF EXISTS rollup_span() CASCADE",
            "DROP FUNCTION IF EXISTS rollup_case() CASCADE",
            "DROP FUNCTION IF EXISTS rollup_bucket_of(FLOAT)",
        ]

    def same(self, eq: str) -> str:
        """SQL: OLD and NEW have the same kept columns (so the same rollup rows); `eq` is the
        dialect's null-safe equality ('IS', 'IS NOT DISTINCT FROM')."""
        return " AND ".join(f"OLD.{c} {eq} NEW.{c}" for c in self.kept)

    def _sqlite(self) -> list[str]:
        return self._sqlite_0012() if self.revision == 12 else self._sqlite_0015()

    @staticmethod
    def _trigger(name: str, when: str, statements: list[str]) -> str:
        return f"CREATE TRIGGER {name} AFTER {when} BEGIN " + "; ".join(statements) + "; END"

    def _sqlite_0015(self) -> list[str]:
        """One trigger per part, each with `UPDATE OF` the columns it reads and a WHEN that holds
        only if its part moves: SQLite leaves a trigger out of an UPDATE that sets none of its
        columns, and runs no statement of a trigger whose WHEN is false. Exactly the 0012 sums."""
        trigger, same = self._trigger, self.same("IS")
        handoff_bucket, value_buckets = self.buckets[3], self.buckets[:3]
        spans_old = [*(self.sub(u, "OLD") for u in self.span_rollups), self.handoffs("OLD", "-")]
        spans_new = [*(self.add(u, "NEW") for u in self.span_rollups), self.handoffs("NEW", "+")]
        valued = " OR ".join(f"NEW.{u.value} IS NOT NULL" for u in value_buckets)
        cases_new = [*(self.add(u, "NEW") for u in self.case_rollups), self.fact("NEW")]
        cases_old = [self.sub(u, "OLD") for u in self.case_rollups]
        span_update = "UPDATE OF {columns} ON task_span FOR EACH ROW WHEN {when}"
        opened = " AND ".join(f"NEW.{c} IS NULL" for c in _MEASURED if c != "pickup_s")
        open_stage = replace(self.stage, sums=tuple((c, e) for c, e in self.stage.sums if c in _OPEN_SUMS))
        return [
            trigger("rollup_span_insert", f"INSERT ON task_span FOR EACH ROW WHEN NOT ({opened})", [self.add(self.stage, "NEW")]),
            # a span opened by a step: every other sum of the stage needs one of those columns set
            trigger("rollup_span_insert_open", f"INSERT ON task_span FOR EACH ROW WHEN {opened}", [self.add(open_stage, "NEW")]),
            trigger(
                "rollup_span_insert_handoff",
                "INSERT ON task_span FOR EACH ROW WHEN NEW.from_lane IS NOT NULL",
                [self.add(self.handoff, "NEW"), self.add(handoff_bucket, "NEW"), self.handoffs("NEW", "+")],
            ),
            trigger(
                "rollup_span_insert_values",
                f"INSERT ON task_span FOR EACH ROW WHEN {valued}",
                [self.add(u, "NEW") for u in value_buckets],
            ),
            trigger(
                "rollup_span_update",
                span_update.format(columns=", ".join(self.kept), when=f"NOT ({same})"),
                [*spans_old, *spans_new],
            ),
            trigger(
                "rollup_span_update_kept",
                span_update.format(columns=", ".join(_MEASURED), when=same),
                [self.delta(self.stage)],
            ),
            trigger(
                "rollup_span_update_handoff",
                span_update.format(
                    columns="pickup_s", when=f"{same} AND NEW.from_lane IS NOT NULL AND OLD.pickup_s IS NOT NEW.pickup_s"
                ),
                [self.delta(self.handoff), self.sub(handoff_bucket, "OLD"), self.add(handoff_bucket, "NEW")],
            ),
            *(
                trigger(
                    f"rollup_span_update_{u.value}",
                    span_update.format(columns=u.value, when=f"{same} AND OLD.{u.value} IS NOT NEW.{u.value}"),
                    [self.sub(u, "OLD"), self.add(u, "NEW")],
                )
                for u in value_buckets
            ),
            trigger("rollup_span_delete", "DELETE ON task_span", spans_old),
            trigger("rollup_case_insert", 'INSERT ON "case"', cases_new),
            trigger(
                "rollup_case_update",
                'UPDATE ON "case" FOR EACH ROW WHEN ' + _CASE_CHANGED.format(ne="IS NOT"),
                [*cases_old, *cases_new],
            ),
            trigger("rollup_case_delete", 'DELETE ON "case"', [*cases_old, "DELETE FROM case_fact WHERE case_id = OLD.id"]),
        ]

    def _sqlite_0012(self) -> list[str]:
        trigger = self._trigger

        spans_new = [*(self.add(u, "NEW") for u in self.span_rollups), self.handoffs("NEW", "+")]
        spans_old = [*(self.sub(u, "OLD") for u in self.span_rollups), self.handoffs("OLD", "-")]
        kept = [self.delta(self.stage), self.delta(self.handoff)]
        for u in self.buckets:  # only a measure the UPDATE set moves between buckets
            moved = replace(u, only=f"{u.only} AND OLD.{u.value} IS NOT NEW.{u.value}")
            kept += [self.sub(moved, "OLD"), self.add(moved, "NEW")]
        same = self.same("IS")
        cases_new = [*(self.add(u, "NEW") for u in self.case_rollups), self.fact("NEW")]
        cases_old = [self.sub(u, "OLD") for u in self.case_rollups]
        return [
            trigger("rollup_span_insert", "INSERT ON task_span", spans_new),
            trigger("rollup_span_update", f"UPDATE ON task_span FOR EACH ROW WHEN NOT ({same})", [*spans_old, *spans_new]),
            trigger("rollup_span_update_kept", f"UPDATE ON task_span FOR EACH ROW WHEN {same}", kept),
            trigger("rollup_span_delete", "DELETE ON task_span", spans_old),
            trigger("rollup_case_insert", 'INSERT ON "case"', cases_new),
            trigger(
                "rollup_case_update",
                'UPDATE ON "case" FOR EACH ROW WHEN ' + _CASE_CHANGED.format(ne="IS NOT"),
                [*cases_old, *cases_new],
            ),
            trigger("rollup_case_delete", 'DELETE ON "case"', [*cases_old, "DELETE FROM case_fact WHERE case_id = OLD.id"]),
        ]

    @property
    def span_rollups(self) -> tuple[Rollup, ...]:
        return (self.stage, self.handoff, *self.buckets)

    @property
    def case_rollups(self) -> tuple[Rollup, ...]:
        return (self.case_started, self.case_ended, self.lead_bucket)

    def _postgresql(self) -> list[str]:
        def function(name: str, body: list[str]) -> str:
            return (
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + " ".join(body)
                + " RETURN NULL; END $$"
            )

        def guarded(u: Rollup, r: str, sign: str) -> str:
            # PL/pgSQL pays per statement: skip those whose row does not count (a span without a duration yet, …)
            return f"IF {u.only.format(r=r)} THEN {self.add(u, r) if sign == '+' else self.sub(u, r)}; END IF;"

        kept = [
            f"IF TG_OP = 'UPDATE' AND {self.same('IS NOT DISTINCT FROM')} THEN",
            f"{self.delta(self.stage)};",
            f"IF NEW.from_lane IS NOT NULL THEN {self.delta(self.handoff)}; END IF;",
        ]
        for u in self.buckets:
            kept += [
                f"IF OLD.{u.value} IS DISTINCT FROM NEW.{u.value} THEN",
                guarded(u, "OLD", "-"),
                guarded(u, "NEW", "+"),
                "END IF;",
            ]
        span = function(
            "rollup_span",
            [
                *kept,
                "RETURN NULL; END IF;",
                "IF TG_OP <> 'INSERT' THEN",
                *(guarded(u, "OLD", "-") for u in self.span_rollups),
                f"IF OLD.from_lane IS NOT NULL THEN {self.handoffs('OLD', '-')}; END IF; END IF;",
                "IF TG_OP <> 'DELETE' THEN",
                *(guarded(u, "NEW", "+") for u in self.span_rollups),
                f"IF NEW.from_lane IS NOT NULL THEN {self.handoffs('NEW', '+')}; END IF; END IF;",
            ],
        )
        case = function(
            "rollup_case",
            [
                "IF TG_OP <> 'INSERT' THEN",
                *(guarded(u, "OLD", "-") for u in self.case_rollups),
                "END IF;",
                "IF TG_OP <> 'DELETE' THEN",
                *(guarded(u, "NEW", "+") for u in self.case_rollups),
                f"{self.fact('NEW')};",
                "ELSE DELETE FROM case_fact WHERE case_id = OLD.id; END IF;",
            ],
        )
        return [
            _PG_BUCKET_FUNCTION,
            span,
            case,
            "CREATE TRIGGER rollup_span AFTER INSERT OR UPDATE OR DELETE ON task_span FOR EACH ROW EXECUTE FUNCTION rollup_span()",
            'CREATE TRIGGER rollup_case_insert AFTER INSERT OR DELETE ON "case" FOR EACH ROW EXECUTE FUNCTION rollup_case()',
            'CREATE TRIGGER rollup_case_update AFTER UPDATE ON "case" FOR EACH ROW WHEN ('
            + _CASE_CHANGED.format(ne="IS DISTINCT FROM")
            + ") EXECUTE FUNCTION rollup_case()",
        ]

    def rebuild(self, rollups: tuple[Rollup, ...], source: str, *, one_key: bool) -> str:
        """INSERT … SELECT of the rollup rows of `source` (every process, or `:key` alone)."""
        first = rollups[0]
        names = [c for c, _ in (*first.keys, *first.sums, *first.mins, *first.maxes)]
        scope = " AND r.process_key = :key" if one_key else ""

        def projected(u: Rollup) -> str:
            columns = ", ".join(e.format(r="r") + " AS " + c for c, e in (*u.keys, *u.sums, *u.mins, *u.maxes))
            return f"SELECT {columns} FROM {source} r WHERE {u.only.format(r='r')}{scope}"

        rows = " UNION ALL ".join(projected(u) for u in rollups)
        keys = [c for c, _ in first.keys]
        folded = [
            *keys,
            *(f"SUM({c})" for c, _ in first.sums),
            *(f"MIN({c})" for c, _ in first.mins),
            *(f"MAX({c})" for c, _ in first.maxes),
        ]
        return f"INSERT INTO {first.table} ({', '.join(names)}) SELECT {', '.join(folded)} FROM ({rows}) u GROUP BY {', '.join(keys)}"

    def rebuild_facts(self, *, one_key: bool) -> str:
        scope = " WHERE r.process_key = :key" if one_key else ""
        return (
            "INSERT INTO case_fact (case_id, process_key, process_version_id, lead_s, handoffs) "
            f"SELECT r.id, r.process_key, r.process_version_id, CASE WHEN r.status = 'completed' THEN {self.lead('r')} END, "
            f'(SELECT COUNT(*) FROM task_span s WHERE s.case_id = r.id AND s.from_lane IS NOT NULL) FROM "case" r{scope}'
        )
