"""What each rollup row adds up, as SQL over one source row `{r}` (NEW or OLD in a trigger, the
table's alias in a rebuild), so that the triggers and the rebuild share one definition.

Sources of the rules: the stage, handoff and case figures of engine.metrics.queries and
engine.metrics.handoffs (a stage is a work span: not a start or end event; a handoff is a span with
a `from_lane`), computed there over the whole log and here one row at a time."""

from __future__ import annotations

from dataclasses import dataclass

from engine.vocabulary import INSTANT_TYPES, USER_TASK_TYPES


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


WORK = "({r}.element_type IS NULL OR {r}.element_type NOT IN " + _in(INSTANT_TYPES) + ")"


# Buckets of a value v in seconds: 0 for v < 1; then 16 equal buckets per power of two (at most
# 6.25 % wide), so SQL computes a bucket with one exact subtraction, multiplication and division by
# powers of two, and Python its lower bound exactly: THE SAME float comparisons on both sides.
SUB_BUCKETS = 16
TOP_OCTAVE = 41  # 2**41 s is 70,000 years: everything above is one bucket


def bucket_start(bucket: int) -> float:
    """The smallest value of bucket `bucket` (>= 1)."""
    octave, sub = divmod(bucket - 1, SUB_BUCKETS)
    return float(2**octave) * (1 + sub / SUB_BUCKETS)


def bucket_sql(value: str, floor: str) -> str:
    """The bucket of `value` as SQL; `floor` wraps a non-negative float ('{x}' placeholder) into its
    integer floor in the dialect (SQLite: CAST AS INTEGER truncates; PostgreSQL's CAST rounds)."""

    def within(low: int, high: int) -> str:  # octaves low … high, a binary search of CASEs
        if low == high:
            part = floor.replace("{x}", f"({value} - {2**low}) * {SUB_BUCKETS} / {2**low}")
            top = 1 + SUB_BUCKETS * low
            return str(top) if low == TOP_OCTAVE else f"{top} + {part}"
        mid = (low + high + 1) // 2
        return f"CASE WHEN {value} >= {2**mid} THEN {within(mid, high)} ELSE {within(low, mid - 1)} END"

    return f"CASE WHEN {value} < 1 THEN 0 ELSE {within(0, TOP_OCTAVE)} END"


def _when(condition: str, value: str = "1", other: str = "0") -> str:
    return f"CASE WHEN {condition} THEN {value} ELSE {other} END"


@dataclass(frozen=True)
class Rollup:
    """One rollup table fed by one source table: key columns and their expressions, the rows that
    count (`only`), additive columns, and columns merged by MIN or MAX (never taken back)."""

    table: str
    keys: tuple[tuple[str, str], ...]
    sums: tuple[tuple[str, str], ...]
    mins: tuple[tuple[str, str], ...] = ()
    maxes: tuple[tuple[str, str], ...] = ()
    only: str = "1 = 1"
    # a bucket rollup: the column whose value picks the bucket (an UPDATE that keeps it changes nothing)
    value: str = ""


def stage(month: str) -> Rollup:
    """task_span → rollup_stage; `month` is the dialect's 'YYYY-MM' of a placeholder `{x}`."""

    def measured(column: str) -> tuple[tuple[str, str], tuple[str, str]]:
        present = f"{WORK} AND {{r}}.{column}_s IS NOT NULL"
        short = {"duration": "dur", "waiting": "wait", "working": "work"}[column]
        return (f"{short}_n", _when(present)), (f"{short}_sum", _when(present, f"{{r}}.{column}_s", "0.0"))

    return Rollup(
        table="rollup_stage",
        keys=(
            ("process_key", "{r}.process_key"),
            ("process_version_id", "{r}.process_version_id"),
            ("month", month.replace("{x}", "{r}.ready_at")),
            ("element_id", "COALESCE({r}.element_id, '')"),
            ("lane", "COALESCE({r}.lane, '')"),
        ),
        sums=(
            ("spans", "1"),
            ("instants", _when(WORK, "0", "1")),
            ("cancelled", _when(f"{WORK} AND {{r}}.cancelled_at IS NOT NULL")),
            (
                "unclaimed",
                _when("{r}.completed_at IS NOT NULL AND {r}.claimed_at IS NULL AND {r}.element_type IN " + _in(USER_TASK_TYPES)),
            ),
            ("open_now", _when(f"{WORK} AND {{r}}.completed_at IS NULL AND {{r}}.cancelled_at IS NULL")),
            *measured("duration"),
            *measured("waiting"),
            *measured("working"),
        ),
        mins=(("first_ready", f"CASE WHEN {WORK} THEN {{r}}.ready_at END"),),
        maxes=(
            ("name", f"CASE WHEN {WORK} THEN {{r}}.element_name END"),
            ("element_type", f"CASE WHEN {WORK} THEN {{r}}.element_type END"),
        ),
    )


def handoff(month: str) -> Rollup:
    """task_span → rollup_handoff: the spans that opened with a handoff."""
    return Rollup(
        table="rollup_handoff",
        keys=(
            ("process_key", "{r}.process_key"),
            ("process_version_id", "{r}.process_version_id"),
            ("month", month.replace("{x}", "{r}.ready_at")),
            ("from_lane", "{r}.from_lane"),
            ("to_lane", "COALESCE({r}.lane, '')"),
        ),
        sums=(
            ("n", "1"),
            ("pickup_n", _when("{r}.pickup_s IS NOT NULL")),
            ("pickup_sum", _when("{r}.pickup_s IS NOT NULL", "{r}.pickup_s", "0.0")),
        ),
        only="{r}.from_lane IS NOT NULL",
    )


def case_started(month: str) -> Rollup:
    """case → rollup_case_month, in the month the case started (and its status now if still open)."""
    return Rollup(
        table="rollup_case_month",
        keys=(
            ("process_key", "{r}.process_key"),
            ("process_version_id", "{r}.process_version_id"),
            ("month", month.replace("{x}", "{r}.started_at")),
        ),
        sums=(
            ("started", "1"),
            ("running", _when("{r}.status = 'running'")),
            ("failed", _when("{r}.status = 'failed'")),
            ("completed", "0"),
            ("cancelled", "0"),
            ("lead_n", "0"),
            ("lead_sum", "0.0"),
        ),
    )


def case_ended(month: str, lead: str) -> Rollup:
    """case → rollup_case_month, in the month the case ended; `lead` is the dialect's seconds from
    `{r}.started_at` to `{r}.ended_at` (the expression engine.metrics.dialect.seconds_between builds)."""
    completed = "{r}.status = 'completed'"
    return Rollup(
        table="rollup_case_month",
        keys=(
            ("process_key", "{r}.process_key"),
            ("process_version_id", "{r}.process_version_id"),
            ("month", month.replace("{x}", "{r}.ended_at")),
        ),
        sums=(
            ("started", "0"),
            ("running", "0"),
            ("failed", "0"),
            ("completed", _when(completed)),
            ("cancelled", _when("{r}.status = 'cancelled'")),
            ("lead_n", _when(completed)),
            ("lead_sum", _when(completed, lead, "0.0")),
        ),
        only="{r}.ended_at IS NOT NULL",
    )


def buckets(bucket: str) -> tuple[Rollup, ...]:
    """task_span → rollup_bucket for the four span measures; `bucket` is the dialect's bucket
    number of a placeholder `{v}` (bucket_sql)."""

    def one(measure: str, column: str, a: str, b: str, only: str) -> Rollup:
        value = f"{{r}}.{column}"
        return Rollup(
            table="rollup_bucket",
            keys=(
                ("process_key", "{r}.process_key"),
                ("measure", f"'{measure}'"),
                ("group_a", a),
                ("group_b", b),
                ("bucket", bucket.replace("{v}", value)),
            ),
            sums=(("n", "1"),),
            only=f"{only} AND {value} IS NOT NULL",
            value=column,
        )

    element, lane = "COALESCE({r}.element_id, '')", "COALESCE({r}.lane, '')"
    return (
        one("dur", "duration_s", element, lane, WORK),
        one("wait", "waiting_s", element, lane, WORK),
        one("work", "working_s", element, lane, WORK),
        one("pickup", "pickup_s", "{r}.from_lane", lane, "{r}.from_lane IS NOT NULL"),
    )


def lead_bucket(bucket: str, lead: str) -> Rollup:
    """case → rollup_bucket: the lead time of a completed case."""
    return Rollup(
        table="rollup_bucket",
        keys=(
            ("process_key", "{r}.process_key"),
            ("measure", "'lead'"),
            ("group_a", "''"),
            ("group_b", "''"),
            ("bucket", bucket.replace("{v}", lead)),
        ),
        sums=(("n", "1"),),
        only="{r}.status = 'completed' AND {r}.ended_at IS NOT NULL",
    )
