"""Benchmark registry: `manage.py bench` (make bench) runs every registered benchmark on each backend.

A benchmark is a plain function in bench/<area>.py. The harness (bench/harness.py) binds the process-wide
engine to the benchmark database, calls the function once to warm up and then `runs` times, and reports the
median. The function may take no argument or one `BenchContext` (bench/harness.py: `.actor("approver_ds")`,
`.backend`, `.scale`, `.session()`, `.memo` for setup kept between runs), and may return:
- nothing: the harness times the whole call;
- a number: the seconds of the part that matters (setup excluded);
- a dict {label: seconds}: several measurements from one call, each reported as `<name>.<label>`.

Entries name their function as "module:function" so a module that is not written yet is reported as missing
and the others still run. Areas may also register from their own module with `@benchmark(...)`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Benchmark:
    name: str
    target: str  # "module:function"
    target_ms: float | None = None  # the target (at province scale unless `scales` says otherwise)
    description: str = ""
    scales: tuple[str, ...] = ("demo", "city", "province")  # where the benchmark makes sense
    # Ratios reported in the same run: this median / each named benchmark's median (e.g. bundle vs floor).
    compare_to: tuple[str, ...] = field(default_factory=tuple)


REGISTRY: dict[str, Benchmark] = {}


def add(bench: Benchmark) -> Benchmark:
    REGISTRY[bench.name] = bench
    return bench


def benchmark(name: str, *, target_ms: float | None = None, description: str = "",
              scales: tuple[str, ...] = ("demo", "city", "province"), compare_to: tuple[str, ...] = ()) -> Callable:
    """Decorator for a benchmark function defined in a bench module (registers it under `name`)."""
    def deco(fn: Callable) -> Callable:
        add(Benchmark(name, f"{fn.__module__}:{fn.__name__}", target_ms, description, scales, compare_to))
        return fn
    return deco


# The benchmarks (#7). Functions live in each area's module; targets are the province-scale targets.
for _b in (
    Benchmark("kpi.bundle", "bench.kpi:kpi_bundle", 1000, "the whole KPI bundle the dashboard shows",
              compare_to=("kpi.floor", "kpi.naive")),
    Benchmark("kpi.floor", "bench.kpi:kpi_floor", None, "one minimal hand-written SQL query per KPI family"),
    Benchmark("kpi.naive", "bench.kpi:kpi_naive", None, "tables loaded with pandas, aggregated in memory"),
    Benchmark("inbox.county_approver", "bench.deadlines:inbox_county_approver", 50,
              "one county approver's inbox (open clocks in the county, by due date)"),
    Benchmark("inbox.bureau", "bench.deadlines:inbox_bureau", 200,
              "the bureau reviewer's inbox: every open clock, first page"),
    Benchmark("share.county_queue", "bench.sharing:county_queue", 50, "a county approver's request queue"),
    Benchmark("share.list", "bench.sharing:request_list", 200,
              "the share-request list with filters, one page (server-side pagination)"),
    Benchmark("catalog.search", "bench.catalog:search", 200, "the published-catalog search, one page"),
    Benchmark("deadlines.1m", "bench.deadlines:deadlines_1m", 1000, "1,000,000 deadline computations"),
    Benchmark("catalog.import_10k", "bench.catalog:import_10k", 15_000,
              "importing 10,000 entries with 200,000 data items (rolled back); peak memory in the note"),
    Benchmark("assessment.score", "bench.assessment:score_assessment", 5000,
              "a whole year's assessment: automatic values of every unit, scorecards with ranks, results read"),
    Benchmark("pages.render", "bench.pages:render_pages", 2000, "AppTest render of every page, slowest page",
              scales=("demo", "city")),
    Benchmark("pages.dashboard_first_visit", "bench.pages:dashboard_first_visit", 3000,
              "the leader's dashboard in a new session with nothing cached, then again (cached)",
              scales=("demo", "city")),
    # The system interface (#18): each HTTP measurement beside the same service call without HTTP.
    Benchmark("api.push_http", "bench.api:push_http", None,
              "500 update-log events pushed in one batch over HTTP (events/s = 500 / median s)",
              compare_to=("api.push_direct",)),
    Benchmark("api.push_direct", "bench.api:push_direct", None, "the same batch through the service, no HTTP"),
    Benchmark("api.search_http", "bench.api:search_http", 200, "the published-catalog search over HTTP, one page",
              compare_to=("api.search_direct",)),
    Benchmark("api.search_direct", "bench.api:search_direct", 200, "the same search through the service, no HTTP"),
):
    add(_b)

# Aggregation, corrections and open data (#14, #15): the dashboard's target for a KPI family, the inbox's for the
# correction inbox, the list pages' for the public tracking lookup, the request list and the open-catalog search.
for _b in (
    Benchmark("aggregation.freshness_kpi", "bench.aggregation:freshness_kpi", 1000,
              "the aggregation KPI family (freshness), its per-unit table and the bureau's freshness overview"),
    Benchmark("corrections.inbox", "bench.aggregation:correction_inbox", 200,
              "open corrections: the busiest source unit's list and inbox, the bureau's list and inbox"),
    Benchmark("open.tracking", "bench.opendata:tracking", 200, "one public tracking lookup (mean of 20 codes)"),
    Benchmark("open.request_list", "bench.opendata:request_list", 200,
              "the staff open-data request list with filters, one page"),
    Benchmark("open.catalog_search", "bench.opendata:catalog_search", 200, "the public open-catalog search, one page"),
):
    add(_b)
