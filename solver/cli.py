"""The `tender` command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

import pandas as pd
from rich.console import Console
from rich.table import Table

from .instance import InputError, load_instance
from .instance.summary import by_rurality, headline, market_shares
from .metrics import concentration_band, hhi

EXIT_BAD_INPUT = 2
SHARE_HEADINGS = {"base_area_id": "base", "max_hours_per_week": "capacity", "block_rate_gbp_per_hour": "block £/h",
                  "framework_rate_gbp_per_hour": "fwk £/h", "quality_score": "quality", "hours_per_week": "hours/wk"}

# Wide enough for the tables when output goes to a file or pipe; a terminal sets its own width.
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 140)


def frame_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None,
                index_name: str | None = None) -> Table:
    """A rich table of a DataFrame, numbers right-aligned and formatted per column."""
    formats = formats or {}
    table = Table(title=title, title_justify="left")
    if index_name is not None:
        table.add_column(index_name)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if pd.api.types.is_numeric_dtype(frame[column]) else "left")
    for index, row in frame.iterrows():
        cells = [str(index)] if index_name is not None else []
        for column in frame.columns:
            value = row[column]
            fmt = formats.get(column, "{:,.0f}" if isinstance(value, float) else "{}")
            cells.append("" if pd.isna(value) else fmt.format(value))
        table.add_row(*cells)
    return table


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tender", description="Design home care tenders: lots, providers per lot, block and framework hours.",
        epilog="Example: tender info instances/shire")
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
    sub.add_argument("--top", type=int, default=15, help="providers to list (default 15)")

    sub = command("generate", cmd_generate, "Generate a realistic synthetic county instance.",
                  "tender generate --profile shire --areas 150 --seed 1 --out instances/shire")
    sub.add_argument("--profile", choices=["shire", "city", "rural"], default="shire")
    sub.add_argument("--areas", type=int, required=True, help="number of areas")
    sub.add_argument("--providers", type=int, default=None, help="number of providers (default: by profile)")
    sub.add_argument("--seed", type=int, default=1)
    sub.add_argument("--out", type=Path, required=True, help="folder to write")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as error:
        err.print(f"[red]error:[/red] {len(error.problems)} problem(s) in the input:", highlight=False)
        for problem in error.problems:
            err.print(f"  - {problem}", highlight=False, soft_wrap=True)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
