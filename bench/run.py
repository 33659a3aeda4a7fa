"""Benchmark: the pipeline against the limit of the machine, and the cost of a daily run as
history grows. Prints a table of figures and writes it to bench/latest.md (--out);
bench/RESULTS.md keeps the history by hand.

    python -m uv run python bench/run.py            # the full benchmark (about 30-60 min)
    python -m uv run python bench/run.py --skip-big # without the 1,000 x 365 run
    python -m uv run python bench/run.py --smoke    # tiny sizes, no long history, no warm-up: what the tests run

Every figure comes from real `analytics run` processes (Dagster + dbt + DuckDB) on data made
by the sample-organization generator, measured in this one run on this machine:

- full run: wall time, lines/s and MB/s of `analytics run` over MEMBERS x DAYS; the same for
  one plain DuckDB query that reads the same files and computes the daily numbers directly
  (bench/plain_query.py); their ratio, with and without the fixed start-up;
- marginal cost: the same pair over twice the days of the same organization, and
  (run 2N - run N) / (plain 2N - plain N): fixed costs cancel, so this is the price of each
  further byte against DuckDB's own. The four commands are timed FULL_REPEATS times in
  alternated rounds and the medians count (each round's figure is printed beside them);
- fixed start-up: loading the Dagster definitions, and dbt's start from the parse a run keeps
  (bench/dbt_start.py: no model);
- daily run: one scheduled run (yesterday plus the 3 lookback days) after 7 and after
  HISTORY days of history were loaded, on the same new day's data; their ratio. Each is the
  median of DAILY_REPEATS runs from the same state (the warehouse and the Dagster instance put
  back as the history load left them): one run of a 12 s command moved by 25 % on this machine;
- daily run / full run: the daily run after 7 days against the full MEMBERS x DAYS run;
- unchanged rerun: the same scheduled run again with nothing new, against its first run (it is
  answered without starting Dagster), and the same with --force (a whole Dagster run again);
- big: peak RSS (largest process) and wall time of the full run over BIG_MEMBERS x BIG_DAYS;
- steal: the share of the machine's CPU time its hypervisor gave to others (/proc/stat) over the
  whole bench, each round of the full runs, and the daily runs: on a shared virtual machine a
  round that lost more of it is slower for reasons outside the code.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from analytics.generate import generate_organization

BIN = Path(sys.executable).parent
LOOKBACK_DAYS = 3
# scheduled runs timed from the same state, of which the median counts (--daily-repeats)
DAILY_REPEATS = 3
# rounds of the full runs and plain queries at both sizes, of which the medians count (--full-repeats)
FULL_REPEATS = 3
# Peak RSS of the largest descendant of a measured command, from the kernel's accounting.
MEASURE = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
    "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, rc)"
)


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float


def measure(args: list[str], env: dict[str, str]) -> Measured:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *args], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    seconds, rss_kb, rc = float(out[0]), int(out[1]), int(out[2])
    if rc != 0:
        raise RuntimeError(f"{' '.join(args)} exited {rc}")
    return Measured(seconds, rss_kb / 1024)


def cpu_ticks() -> tuple[int, int] | None:
    """(all, stolen) clock ticks of the machine's CPUs since boot (/proc/stat: user, nice,
    system, idle, iowait, irq, softirq, steal); None where there is no /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(value) for value in fields[1:9]]
    return sum(ticks), ticks[7]


def steal_share(before: tuple[int, int] | None, after: tuple[int, int] | None) -> float | None:
    """The share of the CPU time between two cpu_ticks() that the hypervisor took."""
    if before is None or after is None or after[0] <= before[0]:
        return None
    return (after[1] - before[1]) / (after[0] - before[0])


def pipeline_env(root: Path, landing: Path) -> dict[str, str]:
    """The environment of a pipeline whose warehouse and Dagster instance are in `root`,
    which starts empty: with a --work-dir used before, the runs would otherwise find their
    days built and answer without running."""
    shutil.rmtree(root, ignore_errors=True)
    env = dict(os.environ)
    env.update(
        ANALYTICS_LANDING_DIR=str(landing),
        ANALYTICS_WAREHOUSE=str(root / "warehouse.duckdb"),
        DAGSTER_HOME=str(root / "dagster_home"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    return env


def analytics_run(env: dict[str, str], first: date, last: date, *flags: str) -> Measured:
    return measure(
        [str(BIN / "analytics"), "run", "--start", first.isoformat(), "--end", last.isoformat(), *flags], env
    )


def landing_with_days(generated: Path, landing: Path, days: list[date]) -> None:
    """A landing folder holding the generated files of these days (hard links: no copy, and
    DuckDB's glob in the plain query does not follow linked folders) and the roster."""
    (landing / "otlp").mkdir(parents=True, exist_ok=True)
    shutil.copy(generated / "members.csv", landing / "members.csv")
    for day in days:
        source = generated / "otlp" / day.isoformat()
        target = landing / "otlp" / day.isoformat()
        if source.exists() and not target.exists():
            shutil.copytree(source, target, copy_function=os.link)


def otlp_size(landing: Path) -> tuple[int, int]:
    """(files' bytes on disk, lines) of a landing folder's OTLP files."""
    import gzip

    size = lines = 0
    for path in (landing / "otlp").rglob("*.jsonl*"):
        size += path.stat().st_size
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rb") as handle:
            lines += sum(1 for _ in handle)
    return size, lines


def warm_up(work: Path, start: date) -> None:
    """Do once, before the timed runs, what only the first run after a change does: a tiny
    `analytics run` (2 members, 1 day) on a warehouse of the timed runs' name.

    Otherwise the bench's first timed run (the full run) pays for what is not a cost of a run:
    - reading Python's libraries from disk whenever the page cache lost them (after another
      checkout's test suite: 8 s more outside its Dagster run; importing the definitions took
      20.5 s instead of 3.7 s after the cache was dropped);
    - parsing the dbt project whole after it changed (`dbt parse` for the Dagster manifest,
      then dbt's own parse kept for the warehouse's name): in the first bench after the
      eleventh step changed dbt's tests, the full run took 37.8 s against 22 to 25 s before.
    Every later run finds both done, so either flattered both ratios that divide by the full
    run, and the marginal cost (0.85 in that bench)."""
    generated = work / "warm-up" / "generated"
    generate_organization(generated, members=2, days=1, start=start, seed=1)
    landing = work / "warm-up" / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    landing_with_days(generated, landing, [start])
    analytics_run(pipeline_env(work / "warm-up" / "run", landing), start, start)


def fixed_startup(env: dict[str, str], work: Path) -> tuple[float, float]:
    """Seconds to load the Dagster definitions (with Python's imports of Dagster, dagster-dbt
    and dbt), and for dbt, imported, to start and read the parse the last run on this warehouse
    kept, as a run's in-process build does (bench/dbt_start.py), into a target folder of its own:
    the project's is read by every other process (the test suite's, while the smoke run runs).

    Until the twenty-second step the second figure was a `dbt` command of its own: it imported
    dbt a second time, and parsed the whole project (its profile, without the run's --target and
    patch 4, did not match the kept parse's): 7.6 to 8.9 s where a run spends about 1 s."""
    definitions = measure([sys.executable, "-c", "import orchestration.definitions"], env).seconds
    completed = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "dbt_start.py"), str(work / "dbt-target")],
        env=env, capture_output=True, text=True, check=True,
    )
    return definitions, float(completed.stdout.split()[-1])


def _sized_landing(work: Path, generated: Path, label: str, days: list[date]) -> dict:
    """A landing folder of these days, its size, and the environment of a pipeline over it."""
    landing = work / f"landing-{label}"
    shutil.rmtree(landing, ignore_errors=True)
    landing_with_days(generated, landing, days)
    on_disk, lines = otlp_size(landing)
    root = work / f"run-{label}"
    return {"days": len(days), "first": days[0], "last": days[-1], "landing": landing, "root": root,
            "lines": lines, "mb_on_disk": on_disk / 1e6, "env": pipeline_env(root, landing),
            "run_s": [], "run_peak_rss_mb": [], "plain_s": []}


def _measure_sized(sized: dict) -> None:
    """`analytics run` on an empty warehouse and instance, then the plain query, over the same
    landing folder: appended to `sized`'s lists."""
    env = pipeline_env(sized["root"], sized["landing"])  # emptied again for every round
    run = analytics_run(env, sized["first"], sized["last"])
    plain = measure([sys.executable, str(PROJECT_ROOT / "bench" / "plain_query.py"), str(sized["landing"])], env)
    sized["run_s"].append(run.seconds)
    sized["run_peak_rss_mb"].append(run.peak_rss_mb)
    sized["plain_s"].append(plain.seconds)


def full_run(work: Path, members: int, days: int, start: date, figures: dict, repeats: int = FULL_REPEATS) -> None:
    """The full run over `days` and over twice as many days of the same organization: the
    first gives the throughput figures, the pair the marginal cost of a further byte.

    Each of the four commands (run and plain query, each size) is timed `repeats` times, the
    sizes alternated (short, long, short, long, ...), and the medians count: on a machine
    whose speed drifts over minutes, single pairs put the same code's marginal cost anywhere
    from 2.41 to 3.24 (bench/RESULTS.md, eighteenth step), and three rounds of one bench at
    2.89 to 4.52 (nineteenth step). The marginal cost of each round is
    reported beside it, for its spread."""
    generated = work / "full"
    summary = generate_organization(generated, members=members, days=2 * days, start=start, seed=7)
    every_day = [start + timedelta(days=i) for i in range(2 * days)]
    short = _sized_landing(work, generated, "short", every_day[:days])
    long = _sized_landing(work, generated, "long", every_day)
    steal_rounds = []
    for _ in range(repeats):
        before = cpu_ticks()
        _measure_sized(short)
        _measure_sized(long)
        steal_rounds.append(steal_share(before, cpu_ticks()))
    # the generator's size is for both halves: the short run's share, by lines
    uncompressed = summary["bytes_uncompressed"] * short["lines"] / long["lines"]
    definitions, dbt = fixed_startup(short["env"], work)
    startup = definitions + dbt
    median = statistics.median
    lines, run, plain = short["lines"], median(short["run_s"]), median(short["plain_s"])
    long_run, long_plain = median(long["run_s"]), median(long["plain_s"])
    figures["full"] = {
        "members": members, "days": days, "lines": lines, "mb_on_disk": short["mb_on_disk"],
        "mb_uncompressed": uncompressed / 1e6,
        "run_s": run, "run_runs_s": short["run_s"], "run_peak_rss_mb": max(short["run_peak_rss_mb"]),
        "run_lines_per_s": lines / run, "run_mb_per_s": uncompressed / 1e6 / run,
        "plain_s": plain, "plain_runs_s": short["plain_s"], "plain_lines_per_s": lines / plain,
        "plain_mb_per_s": uncompressed / 1e6 / plain,
        "ratio": run / plain,
        "ratio_without_startup": max(run - startup, 0) / plain,
        "startup_definitions_s": definitions, "startup_dbt_s": dbt, "startup_s": startup,
        "generator_mb_per_s": summary["bytes_uncompressed"] / 1e6 / summary["seconds"],
        "long_days": long["days"], "long_lines": long["lines"], "long_run_s": long_run,
        "long_run_runs_s": long["run_s"], "long_plain_s": long_plain, "long_plain_runs_s": long["plain_s"],
        "marginal": (long_run - run) / max(long_plain - plain, 1e-9),
        "steal_rounds": steal_rounds,
        "marginal_rounds": [
            (lr - sr) / max(lp - sp, 1e-9)
            for sr, sp, lr, lp in zip(short["run_s"], short["plain_s"], long["run_s"], long["plain_s"], strict=True)
        ],
    }


def state_paths(env: dict[str, str]) -> list[Path]:
    """What a run changes, from its environment: the warehouse (with its WAL) and the Dagster
    instance; the landing folder is the input."""
    warehouse = Path(env["ANALYTICS_WAREHOUSE"])
    return [warehouse, warehouse.with_name(warehouse.name + ".wal"), Path(env["DAGSTER_HOME"])]


def save_state(paths: list[Path], saved: Path) -> None:
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir(parents=True)
    for path in paths:
        if path.exists():
            _copy(path, saved / path.name)


def restore_state(saved: Path, paths: list[Path]) -> None:
    """`paths` as save_state found them: each removed, and put back from `saved` if it was there."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        if (saved / path.name).exists():
            _copy(saved / path.name, path)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)


def repeated_daily_run(env: dict[str, str], root: Path, window: tuple[date, date], repeats: int) -> list[float]:
    """Seconds of the same scheduled run `repeats` times, each from the state before the first
    and after the disk has the writes of what came before (the history load, the copy back)."""
    saved = root.with_name(root.name + "-before-daily")
    paths = state_paths(env)
    save_state(paths, saved)
    seconds = []
    for attempt in range(repeats):
        if attempt:
            restore_state(saved, paths)
        os.sync()
        seconds.append(analytics_run(env, *window).seconds)
    shutil.rmtree(saved, ignore_errors=True)
    return seconds


def daily_runs(work: Path, members: int, history: int, start: date, figures: dict,
               long_history: bool = True, repeats: int = DAILY_REPEATS) -> None:
    """One scheduled run on the same new day after 7 and after `history` days of history."""
    generated = work / "history"
    generate_organization(generated, members=members, days=history + 1, start=start, seed=11)
    all_days = [start + timedelta(days=i) for i in range(history + 1)]
    new_day = all_days[-1]
    window = (new_day - timedelta(days=LOOKBACK_DAYS), new_day)
    results = {}
    scenarios = [("short", all_days[-1 - min(7, history):-1])]
    if long_history:
        scenarios.append(("long", all_days[:-1]))
    for label, history_days in scenarios:
        root = work / f"daily-{label}"
        landing = root / "landing"
        env = pipeline_env(root, landing)
        landing_with_days(generated, landing, history_days)
        load = analytics_run(env, history_days[0], history_days[-1])
        landing_with_days(generated, landing, [new_day])
        before = cpu_ticks()
        seconds = repeated_daily_run(env, root, window, repeats)
        results[label] = {"history_days": len(history_days), "initial_load_s": load.seconds,
                          "initial_load_peak_rss_mb": load.peak_rss_mb,
                          "daily_s": statistics.median(seconds), "daily_runs_s": seconds,
                          "steal": steal_share(before, cpu_ticks())}
        if label == "short":
            # nothing changed: answered without a run; --force: the same Dagster run again
            results[label]["rerun_s"] = analytics_run(env, *window).seconds
            results[label]["forced_rerun_s"] = analytics_run(env, *window, "--force").seconds
    results.setdefault("long", {"history_days": 0, "initial_load_s": float("nan"), "daily_s": float("nan")})
    figures["daily"] = {
        **{f"{label}_{k}": v for label, values in results.items() for k, v in values.items()},
        "ratio_long_to_short": results["long"]["daily_s"] / results["short"]["daily_s"],
        "rerun_ratio": results["short"]["rerun_s"] / results["short"]["daily_s"],
        "forced_rerun_ratio": results["short"]["forced_rerun_s"] / results["short"]["daily_s"],
    }
    if "full" in figures:
        figures["daily"]["daily_to_full"] = results["short"]["daily_s"] / figures["full"]["run_s"]


def big_run(work: Path, members: int, days: int, start: date, figures: dict) -> None:
    generated = work / "big"
    summary = generate_organization(generated, members=members, days=days, start=start, seed=5)
    env = pipeline_env(work / "big-run", generated)
    run = analytics_run(env, start, start + timedelta(days=days - 1))
    figures["big"] = {
        "members": members, "days": days, "mb_uncompressed": summary["bytes_uncompressed"] / 1e6,
        "mb_on_disk": summary["bytes_written"] / 1e6, "run_s": run.seconds, "peak_rss_mb": run.peak_rss_mb,
        "mb_per_s": summary["bytes_uncompressed"] / 1e6 / run.seconds,
    }
    shutil.rmtree(generated, ignore_errors=True)


def machine() -> str:
    cores = os.cpu_count()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {cores} cores, {memory:.0f} GiB memory, Python {platform.python_version()}"


def _runs(seconds: list[float]) -> str:
    if len(seconds) < 2:
        return "one run"
    return f"median of {len(seconds)}: " + ", ".join(f"{value:.1f}" for value in seconds)


def _rounds(full: dict) -> str:
    """Each round's four timings, in the order they ran."""
    return "; ".join(
        f"{sr:.1f} / {lr:.1f} s, {sp:.1f} / {lp:.1f} s"
        for sr, lr, sp, lp in zip(full["run_runs_s"], full["long_run_runs_s"], full["plain_runs_s"],
                                  full["long_plain_runs_s"], strict=True)
    )


def _percent(share: float | None) -> str:
    return "n/a" if share is None else f"{100 * share:.1f} %"


def report(figures: dict, command: str) -> str:
    full, daily = figures["full"], figures["daily"]
    lines = [
        f"## {figures['date']}: `{command}`",
        "",
        f"Machine: {machine()}.",
        "",
        "| figure | value | target |",
        "|---|---|---|",
        (f"| data: {full['members']} members x {full['days']} days | {full['lines']:,} lines, "
        f"{full['mb_uncompressed']:.0f} MB uncompressed, {full['mb_on_disk']:.0f} MB on disk | |"),
        (f"| full `analytics run`, {full['days']} days ({_runs(full['run_runs_s'])}) | {full['run_s']:.1f} s, "
         f"{full['run_lines_per_s']:,.0f} lines/s, "
        f"{full['run_mb_per_s']:.1f} MB/s, peak RSS {full['run_peak_rss_mb']:.0f} MB | |"),
        (f"| plain DuckDB query, same files | {full['plain_s']:.1f} s, {full['plain_lines_per_s']:,.0f} lines/s, "
        f"{full['plain_mb_per_s']:.1f} MB/s | |"),
        (f"| full run / plain query | {full['ratio']:.2f} (without start-up: {full['ratio_without_startup']:.2f}) | |"),
        (f"| full run and plain query, {full['long_days']} days ({full['long_lines']:,} lines) | "
        f"{full['long_run_s']:.1f} s and {full['long_plain_s']:.1f} s | |"),
        (f"| each round: full run {full['days']} / {full['long_days']} days, plain query {full['days']} / "
         f"{full['long_days']} days | {_rounds(full)} | |"),
        (f"| **marginal cost**: (run {full['long_days']} - run {full['days']}) / (plain {full['long_days']} - "
        f"plain {full['days']}), of the medians | {full['marginal']:.2f} (each round: "
        f"{', '.join(f'{m:.2f}' for m in full['marginal_rounds'])}) | <= 2.5 |"),
        (f"| fixed start-up | {full['startup_s']:.1f} s (Dagster definitions {full['startup_definitions_s']:.1f} s, "
        f"dbt's start from its kept parse {full['startup_dbt_s']:.1f} s) | |"),
        (f"| daily run after {daily['short_history_days']} days of history | {daily['short_daily_s']:.1f} s "
         f"({_runs(daily['short_daily_runs_s'])}) | |"),
        (f"| **daily run / full {full['days']}-day run** | {daily.get('daily_to_full', float('nan')):.2f} | <= 0.35 |"),
        (f"| daily run after {daily['long_history_days']} days of history | {daily['long_daily_s']:.1f} s "
        f"({_runs(daily.get('long_daily_runs_s', []))}; initial load {daily['long_initial_load_s']:.0f} s) | |"),
        f"| **long / short history** | {daily['ratio_long_to_short']:.2f} | <= 1.2 |",
        f"| **rerun of an unchanged day** | {daily['short_rerun_s']:.1f} s, {daily['rerun_ratio']:.2f} of its first run | <= 0.2 |",
        (f"| the same rerun through Dagster (`--force`) | {daily['short_forced_rerun_s']:.1f} s, "
         f"{daily['forced_rerun_ratio']:.2f} of its first run | |"),
        (f"| CPU time the hypervisor took (steal) | {_percent(figures.get('steal'))} over the bench; "
         f"full-run rounds {' / '.join(_percent(share) for share in full['steal_rounds'])}; daily runs "
         f"after {daily['short_history_days']} / {daily['long_history_days']} days "
         f"{_percent(daily.get('short_steal'))} / {_percent(daily.get('long_steal'))} | |"),
    ]
    if "big" in figures:
        big = figures["big"]
        lines.append(
            f"| full run, {big['members']:,} members x {big['days']} days ({big['mb_uncompressed'] / 1000:.1f} GB "
            f"uncompressed) | {big['run_s'] / 60:.1f} min, {big['mb_per_s']:.1f} MB/s, peak RSS "
            f"{big['peak_rss_mb'] / 1024:.2f} GB | <= 4 min, <= 3 GB |"
        )
    lines.append("")
    lines.append(f"Generator: {full['generator_mb_per_s']:.0f} MB/s uncompressed output.")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--history-members", type=int, default=200)
    parser.add_argument("--big-members", type=int, default=1000)
    parser.add_argument("--big-days", type=int, default=365)
    parser.add_argument("--skip-big", action="store_true")
    parser.add_argument("--daily-repeats", type=int, default=DAILY_REPEATS,
                        help="scheduled runs from the same state; the median counts")
    parser.add_argument("--full-repeats", type=int, default=FULL_REPEATS,
                        help="rounds of the full runs and plain queries at both sizes; the medians count")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, no big run, no RESULTS.md")
    parser.add_argument("--work-dir", help="where to put generated data (default: a temp folder)")
    parser.add_argument("--out", default=str(PROJECT_ROOT / "bench" / "latest.md"),
                        help="where the table goes (bench/RESULTS.md keeps the history by hand)")
    args = parser.parse_args(argv)
    if args.smoke:
        args.members, args.days, args.history_days, args.history_members, args.skip_big = 3, 2, 9, 3, True
        args.daily_repeats = args.full_repeats = 1  # (putting the state back is tested on its own)
    command = "python bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    today = date.today()
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="analytics-bench-"))
    figures: dict = {"date": today.isoformat()}
    started = cpu_ticks()
    try:
        if not args.smoke:  # its figures are not results: no need to flatten one-off costs
            warm_up(work, today - timedelta(days=2))
        full_run(work, args.members, args.days, today - timedelta(days=2 * args.days + 1), figures,
                 repeats=args.full_repeats)
        daily_runs(work, args.history_members, args.history_days,
                   today - timedelta(days=args.history_days + 2), figures, long_history=not args.smoke,
                   repeats=args.daily_repeats)
        if not args.skip_big:
            big_run(work, args.big_members, args.big_days, today - timedelta(days=args.big_days + 1), figures)
    finally:
        if not args.work_dir:
            shutil.rmtree(work, ignore_errors=True)
    figures["steal"] = steal_share(started, cpu_ticks())
    text = report(figures, command)
    print(text)
    for values in figures.values():
        if isinstance(values, dict):
            values.pop("env", None)
    print(json.dumps(figures, indent=2, default=str), file=sys.stderr)
    if not args.smoke:
        Path(args.out).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
