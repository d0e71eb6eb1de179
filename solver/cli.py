"""The `tender` command line."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

from rich.console import Console

from .design.config import SEED_MAX
from .instance import InputError, Problem, load_instance
from .instance.summary import by_rurality, headline, market_shares
from .metrics import concentration_band, hhi
from .report import frame_table
from .roads import SPEED_KMH

EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_INTERRUPTED = 130
SHARE_HEADINGS = {"base_area_id": "base", "max_hours_per_week": "capacity", "block_rate_gbp_per_hour": "block £/h",
                  "framework_rate_gbp_per_hour": "fwk £/h", "quality_score": "quality", "hours_per_week": "hours/wk"}

# Wide enough for the tables when output goes to a file or pipe; a terminal sets its own width.
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def cmd_validate(args: argparse.Namespace) -> int:
    instance = load_instance(args.instance)
    for warning in instance.warnings:
        err.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    out.print(f"[green]valid[/green]: {args.instance} ({len(instance.areas)} areas, "
              f"{len(instance.providers)} providers, {len(instance.scenarios)} scenarios)", highlight=False)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    instance = load_instance(args.instance)
    for key, value in headline(instance).items():
        out.print(f"[bold]{key}[/bold]: {value}", highlight=False)
    index = hhi(market_shares(instance)["hours_per_week"])
    out.print(f"[bold]concentration[/bold]: {concentration_band(index)}")
    out.print(frame_table(by_rurality(instance), "Areas and hours by rurality",
                          {"hours_per_client": "{:.1f}"}, index_name="rurality"))
    shares = market_shares(instance).head(args.top).rename(columns=SHARE_HEADINGS)
    out.print(frame_table(shares, f"Incumbents' market shares (top {len(shares)})",
                          {"share": "{:.1%}", "block £/h": "£{:.2f}", "fwk £/h": "£{:.2f}", "quality": "{:.0f}"},
                          index_name="provider"))
    for warning in instance.warnings:
        out.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from .generate import generate, write_instance

    tables = generate(args.profile, args.areas, args.seed, args.providers)
    write_instance(tables, args.out)
    instance = load_instance(args.out)
    out.print(f"wrote {args.out}: {len(instance.areas)} areas, {len(instance.providers)} providers, "
              f"{instance.areas['care_hours_per_week'].sum():,.0f} care hours/week", highlight=False)
    return 0


def cmd_import_authority(args: argparse.Namespace) -> int:
    from .authority import import_authority, parse_overrides, summary_lines

    path = import_authority(args.authority, args.out, args.providers, args.incumbency, args.seed,
                            **parse_overrides(args.set))
    for line in summary_lines(path):
        out.print(line, highlight=False)
    return 0


def cmd_design(args: argparse.Namespace) -> int:
    from .design.config import DesignConfig
    from .report import print_design, write_outputs
    from .run import prepared, run

    instance = load_instance(args.instance)
    bids = None
    if args.before_bids:
        from .pre_tender import estimated_bids, with_bids
        bids = estimated_bids(instance)
        instance = with_bids(instance, bids)
    config = prepared(instance, args.config or DesignConfig(), lambda config: override_solver(config, args))
    with out.status(f"optimising {instance.name} under {config.name} (time limit {config.solver.time_limit:g} s)") as status:
        result = run(instance, config, progress=status.update)
    if result.design is None:
        err.print(f"[red]{result.status}:[/red] {result.failure}", highlight=False)
        return {"infeasible": EXIT_INFEASIBLE, "invalid": EXIT_BAD_INPUT}.get(result.status, 1)
    written = write_outputs(instance, result.design, args.out)
    print_design(out, instance, result.design)
    if bids is not None:
        from .report import print_before_bids
        written += print_before_bids(out, instance, config, result.design, bids, args.out)
    out.print(f"wrote {args.out}/{', '.join(written)}", highlight=False)
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .design.config import config_from_dict, load_config
    from .design.result import read_design
    from .report import print_design, write_outputs
    from .run import given

    instance = load_instance(args.instance)
    design = read_design(args.design, instance)
    config = (load_config(args.config) if args.config is not None or not design.config
              else config_from_dict(design.config, str(args.design)))
    given(instance, design, args.design, config)
    written = write_outputs(instance, design, args.out)
    print_design(out, instance, design)
    out.print(f"wrote {args.out}/{', '.join(written)}", highlight=False)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import RULE_SECONDS, compare, comparison_table, print_comparison
    from .design.config import load_config
    from .reports import write_reports
    from .stress import StressSettings

    if args.instance is None:  # `--configs a.yaml b.yaml FOLDER`: the folder is the instance
        if not args.configs or not (args.configs[-1] / "instance.yaml").exists():
            raise InputError([Problem("no instance folder given", "the command line",
                                      fix="give the instance folder before --configs, e.g. "
                                          "tender compare instances/shire --configs configs/balanced.yaml")])
        args.instance = args.configs.pop()
    instance = load_instance(args.instance)
    settings = StressSettings(draws=args.draws, seed=args.seed or 0,
                              **({} if args.exit_rate is None else {"exit_rate": args.exit_rate}))
    with out.status(f"comparing {len(args.configs)} design(s) on {instance.name}") as status:
        candidates = compare(instance, args.configs, args.current, load_config(args.current_config),
                             adjust=lambda config: override_solver(config, args), settings=settings,
                             rule_seconds=None if args.no_rule_costs else RULE_SECONDS, progress=status.update)
    table = comparison_table(instance, candidates)
    print_comparison(out, instance, table, settings, candidates)
    for candidate in candidates:
        if candidate.failure:
            err.print(f"[red]{candidate.name}: {candidate.status}[/red] ({candidate.source})\n{candidate.failure}",
                      highlight=False)
    write_reports(instance, candidates, table, args.out)
    out.print(f"wrote {args.out}/comparison.csv, report.md, report.html, comparison.xlsx, figures/, geojson/, designs/",
              highlight=False)
    return 0 if any(c.design is not None for c in candidates) else EXIT_INFEASIBLE


DEFAULT_SPEED_KMH = round(SPEED_KMH["town"], 1)  # the road model's (solver/roads.py)


def rounds_option_problems(args: argparse.Namespace) -> list[Problem]:
    """Options of `tender rounds` given where they mean nothing (each option's range is its argparse type)."""
    problems = []
    if args.visits is not None:
        if args.carers is None:
            problems.append(Problem("--visits needs --carers", fix="give the carers' shifts as a CSV too"))
        if args.share != 1:
            problems.append(Problem("--share applies to an instance's lots, not to --visits",
                                    fix="leave --share out, or route --areas / --design instead"))
    else:
        given = [name for name, value in (("--carers", args.carers), ("--travel-matrix", args.travel_matrix),
                                          ("--speed-kmh", args.speed_kmh)) if value is not None]
        problems += [Problem(f"{name} applies only with --visits", fix=f"give --visits too, or leave {name} out")
                     for name in given]
    return problems


def on_roads(make_day: Callable, speed_kmh: float) -> Callable:
    """The days of visit files without a travel matrix, their travel from the road model at the given speed
    (fixed part and access time included) rather than read_days' plain straight-line minutes."""
    from dataclasses import replace

    from .roads import travel_minutes
    from .rounds import Problem as RoundsProblem

    def on_roads_day(day: int) -> RoundsProblem:
        plain = make_day(day)
        return replace(plain, travel=travel_minutes(plain.coordinates, speed_kmh))

    return on_roads_day


def cmd_rounds(args: argparse.Namespace) -> int:
    from .rounds import UnsupportedProblem
    from .rounds.from_csv import read_days
    from .rounds.lot_day import lot_day
    from .travel import road_speed_kmh
    from .rounds.run import (carer_table, lot_table, payment_table, print_rounds, print_verdict, route_lot,
                             select_lots, write_rounds)
    from .rounds.staffing import impossible_visits

    problems = rounds_option_problems(args)
    if problems:
        raise InputError(problems)
    instance = load_instance(args.instance)
    if args.visits is not None:
        speed = args.speed_kmh or DEFAULT_SPEED_KMH
        make_day = read_days(args.visits, args.carers, args.travel_matrix, speed, name=args.lot or "rounds")
        days = {args.lot or "rounds": ([], make_day if args.travel_matrix else on_roads(make_day, speed), speed)}
    else:
        days = {lot: (areas, lambda d, lot=lot, areas=areas: lot_day(instance, areas, args.seed, d,
                                                                     f"{lot} day {d + 1}", args.share),
                      road_speed_kmh(instance, areas))
                for lot, areas in select_lots(instance, args.design, args.lot, args.areas).items()}
    planned = {lot: [make_day(d) for d in range(args.days)] for lot, (_, make_day, _) in days.items()}
    empty = [lot for lot, problems in planned.items() if not any(p.visits for p in problems)]
    if empty:
        raise InputError([Problem(f"{lot} has no visits on the {args.days} day(s) asked for",
                                  fix="raise --share, choose areas with care hours, or check the visits' days")
                          for lot in empty])
    impossible = [problem for problems in planned.values() for problem in impossible_visits(problems)]
    if impossible:  # every lot checked before any is routed
        raise InputError(impossible)
    nlw = float(instance.policy["national_living_wage_gbp_per_hour"])
    pay_rate = args.pay_rate if args.pay_rate is not None else nlw
    routed = []
    with out.status("routing") as status:
        for lot, (areas, _, speed) in days.items():
            status.update(f"routing {lot} ({args.days} day(s), {args.time_limit:g} s a day)")
            try:
                routed.append(route_lot(lot, areas, planned[lot], speed, args.time_limit, args.seed, args.engine,
                                        args.continuity_penalty))
            except UnsupportedProblem as error:
                raise InputError([Problem(str(error), fix="use --engine auto, ortools, hybrid, cpsat or both")]) from None
    carers = carer_table(routed, pay_rate, nlw)
    tables = {"lots": lot_table(routed, carers), "carers": carers,
              "payment": payment_table(routed, instance.policy, pay_rate)}
    print_rounds(out, tables, pay_rate, nlw, float(instance.policy["council_rate_gbp_per_hour"]))
    settings = {"instance": str(args.instance), "days": args.days, "time_limit": args.time_limit, "seed": args.seed,
                "engine": args.engine, "share": args.share, "continuity_penalty": args.continuity_penalty,
                "visits": str(args.visits) if args.visits else None, "carers": str(args.carers) if args.carers else None,
                "travel_matrix": str(args.travel_matrix) if args.travel_matrix else None,
                "pay_rate": pay_rate, "nlw": nlw}
    written = write_rounds(args.out, routed, tables, settings)
    out.print(f"wrote {args.out}/{', '.join(written)}", highlight=False)
    return EXIT_INFEASIBLE if print_verdict(out, err, routed) else 0


def cmd_batch(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from .batch import FINAL, FORMATS, expand, grid, pending, printable, read_manifest, run_batch

    if args.manifest is not None:
        instances, configs, seed, time_limit = read_manifest(args.manifest)
    elif args.instances and args.configs:
        instances, configs = expand(args.instances, Path(), "instances"), expand(args.configs, Path(), "configs")
        seed = time_limit = None
    else:
        err.print("[red]error:[/red] give a manifest, or both --instances and --configs", highlight=False)
        return EXIT_BAD_INPUT
    tasks = grid(instances, configs, args.seed if args.seed is not None else seed,
                 args.time_limit if args.time_limit is not None else time_limit)
    todo = len(pending(tasks, args.out))
    where = f"on {args.scheduler}" if args.scheduler else f"on {args.workers} local worker(s)"
    try:
        with Progress(console=out) as progress:
            bar = progress.add_task(f"{todo} of {len(tasks)} runs {where}", total=len(tasks),
                                    completed=len(tasks) - todo)
            table, _ = run_batch(tasks, args.out, args.workers, args.scheduler,
                                 progress=lambda record: progress.advance(bar))
    except KeyboardInterrupt:
        err.print(f"interrupted: every finished run is kept in {args.out}/runs/ and results.csv; run the same "
                  "command again to resume", highlight=False)
        return EXIT_INTERRUPTED
    out.print(frame_table(printable(table), f"Batch of {len(tasks)} runs", FORMATS, index_name="config"))
    for row in table[table["status"] != "ok"].itertuples():
        err.print(f"[red]{row.config} on {row.instance}: {row.status}[/red]\n{row.error}", highlight=False)
    out.print(f"ran {todo}, kept {len(tasks) - todo} finished; wrote {args.out}/results.csv, results.parquet, runs/",
              highlight=False)
    return 1 if (~table["status"].isin(FINAL)).any() else 0


def cmd_frontier(args: argparse.Namespace) -> int:
    from .design.config import DesignConfig
    from .frontier import FORMATS, chart, marks, printable, trace
    from .run import prepared

    instance = load_instance(args.instance)
    config = prepared(instance, args.config or DesignConfig(), lambda config: override_solver(config, args))
    marked = marks(instance, config, args.mark or [], args.against)
    with out.status(f"tracing cost against {args.against} on {instance.name}") as status:
        table = trace(instance, config, args.points, args.against, progress=status.update)
    title = f"Cost against {args.against} on {instance.name} ({config.name})"
    out.print(frame_table(printable(table), title, FORMATS, index_name="point"))
    for point, row in table[table["status"] == "infeasible"].iterrows():
        err.print(f"[yellow]point {point}, cap {row.cap:.1%}: infeasible[/yellow] {row.explanation}", highlight=False)
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "frontier.csv")
    chart(table, marked, args.against, args.out / "frontier.png", title)
    out.print(f"wrote {args.out}/frontier.csv, frontier.png", highlight=False)
    return 0 if (table["status"] == "ok").any() else EXIT_INFEASIBLE


def override_solver(config, args: argparse.Namespace):
    """`config` with the solver options given on the command line."""
    from .design.config import SOLVER_OPTIONS, with_solver

    changes = {key: getattr(args, option[2:].replace("-", "_")) for key, option in SOLVER_OPTIONS.items()}
    return with_solver(config, "the command line", {f"solver.{k}": o for k, o in SOLVER_OPTIONS.items()},
                       **{k: v for k, v in changes.items() if v is not None})


def number(minimum: float | None = None, maximum: float | None = None, above: float | None = None,
           whole: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number (a whole one if `whole`) within the bounds, or a clear error."""
    def parse(text: str) -> float:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {'whole number' if whole else 'number'}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if above is not None and not value > above:
            raise argparse.ArgumentTypeError(f"{text} must be above {above:g}")
        if minimum is not None and value < minimum:
            raise argparse.ArgumentTypeError(f"{text} must be at least {minimum:g}")
        if maximum is not None and value > maximum:
            raise argparse.ArgumentTypeError(f"{text} must be at most {maximum:g}")
        return value
    return parse


SECONDS = number(above=0)
COUNT = number(minimum=1, whole=True)
SEED = number(minimum=0, maximum=SEED_MAX, whole=True)
SHARE = number(above=0, maximum=1)
PROBABILITY = number(minimum=0, maximum=1)


def out_folder(text: str) -> Path:
    """An argparse type: a folder that is, or can be made, writable (checked before any solve)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a file, not a folder: give a folder to write into")
    existing = next(p for p in (path.absolute(), *path.absolute().parents) if p.exists())
    try:  # a trial folder, removed at once: access() does not see read-only or virtual file systems
        os.rmdir(tempfile.mkdtemp(dir=existing))
    except OSError as error:
        raise argparse.ArgumentTypeError(f"cannot write into {existing} ({error.strerror})") from None
    return path


def package_version() -> str:
    try:
        return version("tender-solver")
    except PackageNotFoundError:
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tender", description="Design home care tenders: lots, providers per lot, block and framework hours.",
        epilog="Example: tender info instances/shire")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func: Callable[[argparse.Namespace], int], help_: str, example: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_, description=help_, epilog=f"Example: {example}",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(func=func)
        return sub

    sub = command("validate", cmd_validate, "Check an instance's files; exit 2 with every problem listed if bad.",
                  "tender validate instances/shire")
    sub.add_argument("instance", type=Path, help="instance folder (or its instance.yaml)")

    sub = command("info", cmd_info, "Summarise an instance: areas and hours by rurality, providers, "
                  "market shares and HHI, warnings.", "tender info instances/tiny")
    sub.add_argument("instance", type=Path, help="instance folder (or its instance.yaml)")
    sub.add_argument("--top", type=COUNT, default=15, help="providers to list (default 15)")

    sub = command("generate", cmd_generate, "Generate a realistic synthetic county instance.",
                  "tender generate --profile shire --areas 150 --seed 1 --out instances/shire")
    sub.add_argument("--profile", choices=["shire", "city", "rural"], default="shire")
    sub.add_argument("--areas", type=COUNT, required=True, help="number of areas")
    sub.add_argument("--providers", type=COUNT, default=None, help="number of providers (default: by profile)")
    sub.add_argument("--seed", type=SEED, default=1)
    sub.add_argument("--out", type=out_folder, required=True, help="folder to write")

    sub = command("import-authority", cmd_import_authority, "Build an instance from the real small areas (LSOAs) "
                  "of an English council, district or list of areas: true boundaries and borders, Census 2021 "
                  "population 65+, estimated demand, and providers from your files (areas by LSOA code or "
                  "postcode) or synthetic.", 'tender import-authority "Kent" --out instances/kent')
    sub.add_argument("authority", help="a council (county, unitary, metropolitan or London borough) or district, by "
                     "name or code, any case (e.g. Kent, E10000016, Camden, Breckland); or a comma-separated list "
                     "of them, of LSOA codes and of .txt/.csv files of LSOA codes")
    sub.add_argument("--out", type=out_folder, required=True, help="folder to write")
    sub.add_argument("--providers", type=Path, default=None,
                     help="providers CSV, offices by base_area_id or base_postcode (default: synthetic)")
    sub.add_argument("--incumbency", type=Path, default=None,
                     help="incumbency CSV, areas by area_id or postcode (needs --providers)")
    sub.add_argument("--seed", type=SEED, default=1, help="seed of the synthetic providers (default 1)")
    sub.add_argument("--set", action="append", metavar="NAME=VALUE",
                     help="override an assumption, e.g. --set take_up_rate=0.025 (see solver/authority.py)")

    sub = command("design", cmd_design, "Optimise a tender design: lots, providers per lot, block and framework "
                  "hours. Writes design.json, awards.csv, lots.csv, failures.csv, areas.csv (area → lot) and the areas' "
                  "and lots' GIS layers; exit 3 with an explanation if the requirements cannot all be met.",
                  "tender design instances/shire --config configs/balanced.yaml --out out/shire-balanced")
    sub.add_argument("instance", type=Path, help="instance folder")
    sub.add_argument("--config", type=Path, default=None, help="design configuration (default: balanced rules)")
    sub.add_argument("--out", type=out_folder, default=Path("out/design"), help="folder to write (default out/design)")
    sub.add_argument("--solver", choices=["highs", "cbc"], default=None, help="MIP solver (default highs)")
    sub.add_argument("--time-limit", type=float, default=None,
                     help="seconds in all, a cap (default from the config: 1200)")
    sub.add_argument("--node-limit", type=int, default=None,
                     help="branch-and-bound nodes of the final award solve, the deterministic limit "
                          "(default: by model size, 10-500)")
    sub.add_argument("--gap", type=float, default=None, help="relative gap at which to stop (default 0.01)")
    sub.add_argument("--seed", type=int, default=None, help="solver and heuristic seed")
    sub.add_argument("--before-bids", action="store_true",
                     help="design before the bids are in: bids estimated from the cost of care (any in the "
                          "providers file are set aside); writes each lot's indicative price, expected bidders and "
                          "the chance of none (lot_prices.csv) and the estimated bids (estimated_bids.csv)")

    sub = command("evaluate", cmd_evaluate, "Score a design file (optimised or hand-written, e.g. the council's "
                  "current arrangement) with the same KPIs as every other design.",
                  "tender evaluate instances/tiny docs/examples/tiny-current.json --out out/tiny-current")
    sub.add_argument("instance", type=Path, help="instance folder")
    sub.add_argument("design", type=Path, help="design.json to score")
    sub.add_argument("--config", type=Path, default=None,
                     help="rules to score it under (rates, recourse; default: the design's own, else balanced)")
    sub.add_argument("--out", type=out_folder, default=Path("out/evaluation"), help="folder to write")

    sub = command("compare", cmd_compare, "Optimise several contract designs (and score the council's current one) "
                  "with the same evaluation and a Monte Carlo stress test of demand and provider exits; prints the "
                  "comparison and writes it as CSV, a Markdown report, one self-contained HTML report (verdict, tables, "
                  "an interactive map of each design), an Excel workbook, figures, and each design's file and GIS "
                  "layers. A design whose rules cannot be met is reported, not fatal.",
                  "tender compare instances/shire --configs configs/balanced.yaml configs/wiltshire-2011.yaml "
                  "--current current.json --time-limit 20 --out out/compare")
    sub.add_argument("instance", type=Path, nargs="?", help="instance folder")
    sub.add_argument("--configs", type=Path, nargs="+", required=True, help="design configurations to optimise")
    sub.add_argument("--current", type=Path, default=None, help="the council's current design.json to score too")
    sub.add_argument("--current-config", type=Path, default=None,
                     help="rules to score the current design under (default: balanced)")
    sub.add_argument("--out", type=out_folder, default=Path("out/compare"), help="folder to write (default out/compare)")
    sub.add_argument("--solver", choices=["highs", "cbc"], default=None, help="MIP solver (default highs)")
    sub.add_argument("--time-limit", type=float, default=None, help="seconds per design, a cap (default from each config)")
    sub.add_argument("--node-limit", type=int, default=None, help="award-stage nodes per design (default from each config)")
    sub.add_argument("--gap", type=float, default=None, help="relative gap at which to stop (default 0.01)")
    sub.add_argument("--seed", type=int, default=None, help="solver seed and stress-test seed (default 0)")
    sub.add_argument("--draws", type=COUNT, default=500, help="stress-test draws per design (default 500)")
    sub.add_argument("--exit-rate", type=PROBABILITY, default=None,
                     help="chance an awarded provider exits within the year (default 0.13; 0.10-0.17 observed)")
    sub.add_argument("--no-rule-costs", action="store_true",
                     help="skip what each rule costs (one award re-solve per rule a design sets, on its lots)")
    sub = command("rounds", cmd_rounds, "Route one lot's days of care rounds (clients scattered in their areas, "
                  "visits in the morning, lunch, tea and bed windows, split-shift carers), check them with the "
                  "independent validator, and report per lot and per carer the visits, contact, travel, waiting and "
                  "mileage, carers' pay against the National Living Wage, and the provider's income under each "
                  "payment basis against the cost of care. Writes lots.csv, carers.csv, payment.csv, rounds.json "
                  "and a PNG per lot; exit 3 when visits are unserved or break a rule (with how many more carers are "
                  "needed); exit 2 naming any visit no carer could serve.",
                  "tender rounds instances/shire --lot L1 --design out/shire/design.json --out out/rounds")
    sub.add_argument("instance", type=Path, help="instance folder")
    where = sub.add_mutually_exclusive_group(required=True)
    where.add_argument("--design", type=Path, help="design.json whose lot (--lot, default every lot) to route")
    where.add_argument("--areas", help="comma-separated area ids to route as one lot, e.g. A01,A02")
    where.add_argument("--visits", type=Path,
                       help="route these visits (CSV: visit_id, client_id, x_km, y_km, earliest, latest, "
                            "duration_minutes[, carers_needed, day]) with --carers; the instance gives the pay "
                            "policy (docs/rounds-files.md)")
    sub.add_argument("--carers", type=Path,
                     help="carers' shifts for --visits (CSV: carer_id, home_x_km, home_y_km, shift_start, shift_end"
                          "[, max_working_minutes, break_earliest, break_latest, break_minutes, days])")
    sub.add_argument("--travel-matrix", type=Path,
                     help="travel minutes between client and carer ids for --visits (default: the road model, "
                          "solver/roads.py: a fixed part, straight-line km at --speed-kmh and the access time)")
    sub.add_argument("--speed-kmh", type=number(above=0), default=None,
                     help=f"road speed beyond a trip's fixed part, for --visits without a matrix, and for mileage "
                          f"(default {DEFAULT_SPEED_KMH:g}, the road model's for a town)")
    sub.add_argument("--lot", default=None, help="lot of the design to route (or the name of --areas)")
    sub.add_argument("--days", type=COUNT, default=1,
                     help="consecutive days to route: the same care plans, the carers on the day's rota, later "
                          "days keeping clients with carers they know (default 1)")
    sub.add_argument("--share", type=SHARE, default=1.0,
                     help="route one provider's share of the lot's clients, e.g. 0.33 for one of three (default 1)")
    sub.add_argument("--continuity-penalty", type=number(minimum=0), default=None,
                     help="travel minutes a visit by a carer the client has not met is worth avoiding "
                          "(default 15; 0 routes each day afresh)")
    sub.add_argument("--time-limit", type=SECONDS, default=10.0, help="routing seconds per lot and day (default 10)")
    sub.add_argument("--engine", choices=["auto", "ortools", "pyvrp", "hybrid", "cpsat", "both"], default="auto")
    sub.add_argument("--seed", type=SEED, default=0, help="seed of clients, carers and search (default 0)")
    sub.add_argument("--pay-rate", type=number(above=0), default=None,
                     help="carers' pay per paid hour, £ (default the instance's National Living Wage)")
    sub.add_argument("--out", type=out_folder, default=Path("out/rounds"), help="folder to write (default out/rounds)")

    sub = command("batch", cmd_batch, "Optimise and score every instance × configuration pair of a grid, each run "
                  "in its own process (a crash or timeout loses that run only), on local cores or a Dask cluster. "
                  "Each finished run is kept under OUT/runs/ and a rerun skips it (failed runs are retried); all "
                  "results go to OUT/results.csv and results.parquet. Exit 1 if a run failed.",
                  "tender batch --instances 'instances/*' --configs 'configs/*.yaml' --time-limit 30 --out out/batch")
    sub.add_argument("manifest", type=Path, nargs="?", default=None,
                     help="YAML with lists 'instances' and 'configs' (paths or globs) and optional seed, time_limit")
    sub.add_argument("--instances", nargs="+", help="instance folders or globs (with --configs, instead of a manifest)")
    sub.add_argument("--configs", nargs="+", help="configuration files or globs")
    sub.add_argument("--time-limit", type=float, default=None, help="seconds per run (default: manifest, else config)")
    sub.add_argument("--seed", type=int, default=None, help="solver seed of every run (default: manifest, else config)")
    sub.add_argument("--workers", type=COUNT, default=2, help="runs at once on this machine (default 2)")
    sub.add_argument("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    sub.add_argument("--out", type=out_folder, default=Path("out/batch"), help="folder to write (default out/batch)")

    sub = command("frontier", cmd_frontier, "Trace the cost of continuity of care (an epsilon constraint on the "
                  "share of clients forced to switch, penalty off) or of market stability (on the largest provider's "
                  "share): a design per point, the cap tightening; prints the table, writes frontier.csv and "
                  "frontier.png with any given designs marked. Caps that cannot be met are kept as infeasible.",
                  "tender frontier instances/tiny --config configs/balanced.yaml --points 6 --mark current.json")
    sub.add_argument("instance", type=Path, help="instance folder")
    sub.add_argument("--config", type=Path, default=None, help="design configuration (default: balanced rules)")
    sub.add_argument("--points", type=int, default=6, choices=range(2, 11), metavar="{2..10}",
                     help="designs on the frontier, the first uncapped (default 6)")
    sub.add_argument("--against", choices=["continuity", "stability"], default="continuity")
    sub.add_argument("--mark", type=Path, nargs="+", default=None, help="design.json files to place on the chart")
    sub.add_argument("--out", type=out_folder, default=Path("out/frontier"), help="folder to write (default out/frontier)")
    sub.add_argument("--solver", choices=["highs", "cbc"], default=None, help="MIP solver (default highs)")
    sub.add_argument("--time-limit", type=float, default=None, help="seconds per point, a cap (default from the config)")
    sub.add_argument("--node-limit", type=int, default=None, help="award-stage nodes per point (default from the config)")
    sub.add_argument("--gap", type=float, default=None, help="relative gap at which to stop (default 0.01)")
    sub.add_argument("--seed", type=int, default=None, help="solver and heuristic seed")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run a command. Bad input and files that cannot be read or written exit 2 with what to fix; an
    unexpected failure exits 1 with its message (the traceback too when TENDER_TRACEBACK is set)."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as error:
        err.print(f"[red]error:[/red] {len(error.problems)} problem(s) in the input:", highlight=False)
        for problem in error.problems:
            err.print(f"  - {problem}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        err.print(f"[red]error:[/red] {where}{error.strerror or error}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - a bug is reported, not dumped on the user
        if os.environ.get("TENDER_TRACEBACK"):
            raise
        err.print(f"[red]internal error:[/red] {type(error).__name__}: {error} (set TENDER_TRACEBACK=1 to see "
                  "where; please report it with the command that caused it)", highlight=False, soft_wrap=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
