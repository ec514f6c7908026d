"""The `sme-credit` command line: generate demo data, ingest real data, build the warehouse."""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

from sme_credit import project
from sme_credit.cli_build import _note_raw_dir_change, _progress, cmd_build, raw_dir_for, warehouse_path

DESCRIPTION = """\
SME credit-risk warehouse (dbt + DuckDB).

Typical flow:
  sme-credit generate --enterprises 1000 --seed 42 --out data/demo   # synthetic raw files
  sme-credit build --raw-dir data/demo                                 # dbt build of the warehouse
  sme-credit ingest cumcm ../shared/data/cumcm2020c --out data/cumcm   # real CUMCM 2020 C files
  sme-credit build --data cumcm                                        # ingest + build on them
"""


def cmd_generate(args: argparse.Namespace) -> int:
    from sme_credit.generate import generate

    started = time.perf_counter()
    summary = generate(
        args.out,
        n_enterprises=args.enterprises,
        seed=args.seed,
        n_invoices=args.invoices,
        n_loans=args.loans,
        progress=_progress,
    )
    _progress(f"generated in {time.perf_counter() - started:.1f} s into {Path(args.out).resolve()}")
    print(json.dumps(summary, indent=2, default=str))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from sme_credit.ingest.cumcm import ingest_cumcm

    manifest = ingest_cumcm(args.src_dir, args.out, progress=_progress)
    _progress(f"ingested into {Path(args.out).resolve()}")
    print(json.dumps(manifest, indent=2, ensure_ascii=False, default=str))
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    if not args.dbt_args:
        raise project.CliError("no dbt command: put it after `--`, e.g. `sme-credit dbt -- show --select enterprise_pd`")
    db_path = warehouse_path(args.db)
    recorded = project.inspect_warehouse(db_path)
    raw_dir = raw_dir_for(args.raw_dir, recorded, db_path)
    _note_raw_dir_change(db_path, recorded, raw_dir)
    return project.run_dbt(args.dbt_args, raw_dir, db_path)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.what == "models":
        return cmd_bench_models(args)
    from sme_credit.benchmarks.invoices import run_benchmark, to_markdown

    _progress(f"benchmark: {args.invoices:,} invoices in {args.work_dir}")
    report = run_benchmark(args.invoices, Path(args.work_dir), n_enterprises=args.enterprises,
                           memory_limit=args.memory_limit, peer_max_invoices=args.peer_max_invoices,
                           keep=args.keep, log=_progress)
    print(to_markdown(report))
    _progress(f"every number: {Path(args.work_dir).resolve().parent / (Path(args.work_dir).name + '.json')}")
    return 0


def cmd_bench_models(args: argparse.Namespace) -> int:
    from sme_credit.benchmarks.models import benchmark_warehouse, to_markdown

    if args.scale_rows:
        from sme_credit.benchmarks.models import scale_benchmark

        _progress(f"fit_pd_models with its defaults on {args.scale_rows:,} synthetic rows x 25 features")
        print(json.dumps(scale_benchmark(args.scale_rows), indent=2))
        return 0
    db_path = warehouse_path(args.db)
    if not db_path.exists():
        raise project.CliError(f"no warehouse at {db_path}: build it first (make build) or pass --db FILE")
    table = benchmark_warehouse(db_path, log=_progress)
    if table.empty:
        _progress(f"{db_path}: no fitted PD task to benchmark (see marts.pd_model_runs)")
        return 1
    text = to_markdown(table, db_path)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    _progress(f"wrote {out}")
    champions = table[table["is_champion"]]
    return 0 if champions["at_or_above_plain"].all() else 1


def cmd_report(args: argparse.Namespace) -> int:
    if args.html:
        from sme_credit.report.site import write_site_command

        from sme_credit.serving.publish import serving_paths

        serving = args.serving or os.environ.get("SME_CREDIT_SERVING_DB") or serving_paths(warehouse_path(None)).db
        return write_site_command(str(serving), args.site_dir, progress=_progress)
    from sme_credit.report import write_cumcm_report

    db_path = warehouse_path(args.db, project.PROJECT_DIR / "warehouse" / "cumcm2020c.duckdb")
    _progress(f"reading {db_path}")
    if not db_path.exists():
        _progress(f"no warehouse at {db_path}: build it first with `make build DATA=cumcm`")
        return 2
    out = write_cumcm_report(db_path, args.out)
    _progress(f"wrote {out}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from sme_credit.onboarding.check import run_check

    return run_check(Path(args.raw_dir), as_json=args.json)


def _add_check_parser(sub) -> None:
    check = sub.add_parser(
        "check", help="dry run: how each raw file would be read (columns, rows, dates, parse failures, settings needed)",
        description="Read every raw file as the build would, without building: per file the columns against the "
                    "contract, rows, date range, parse failures by column with examples and the _format.yml "
                    "settings it needs. Exit 1 when there is a problem.")
    check.add_argument("raw_dir", help="raw directory (as --raw-dir of build)")
    check.add_argument("--json", action="store_true", help="the report as JSON")
    check.set_defaults(func=cmd_check)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sme-credit", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--debug", action="store_true", help="on an error, print the Python traceback too")
    # --debug after the command works too (`sme-credit build --debug ...`)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = sub.add_parser(
        "generate", parents=[common],
        help="write a realistic synthetic raw data set (deterministic per seed)",
        description="Write synthetic raw files (enterprises, loans, repayment performance, financial statements, "
        "e-invoices) following the raw data contract, plus an oracle/ folder with every enterprise's and loan's "
        "true PD that no model reads. Streams in chunks: 10^8 invoices fit in memory.",
    )
    gen.add_argument("--enterprises", type=int, default=1000, help="number of enterprises (default 1000)")
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument("--out", type=Path, default=project.DEFAULT_RAW_DIR, help="output directory (default data/demo)")
    gen.add_argument("--invoices", type=int, default=None, help="total invoice rows (default ≈ 2,000 per enterprise)")
    gen.add_argument("--loans", type=int, default=None, help="total loans (default ≈ 5 per enterprise with a credit record)")
    gen.set_defaults(func=cmd_generate)

    ing = sub.add_parser(
        "ingest", parents=[common],
        help="convert an external data set to the raw data contract",
        description="Convert an external data set to raw-contract files. Formats: 'cumcm' — the CUMCM 2020 C "
        "attachments (xlsx or CSV/CSV.gz with the original Chinese headers). Rows are kept as read; the "
        "warehouse's staging layer trims, parses, collapses duplicates and quarantines.",
    )
    ing.add_argument("format", choices=["cumcm"], help="input format")
    ing.add_argument("src_dir", type=Path, help="directory with the input files")
    ing.add_argument("--out", type=Path, required=True, help="directory to write the raw-contract files to")
    ing.set_defaults(func=cmd_ingest)

    bld = sub.add_parser(
        "build", parents=[common],
        help="run `dbt build` (staging → marts → validation → PD models → pricing) and summarise the warehouse",
        description="Run `dbt build` on a raw data directory and print what was built. Arguments after `--` go "
        "to dbt unchanged (e.g. `-- --select +enterprise_indicators`). With --data demo the demo data are "
        "generated first if missing; with --data cumcm the CUMCM 2020 C files are ingested first.",
    )
    bld.add_argument("--data", choices=["demo", "cumcm", "dir"], default="dir",
                     help="demo: generate data/demo if needed; cumcm: ingest SRC_DIR; dir: use --raw-dir as is")
    bld.add_argument("src_dir", nargs="?", help="with --data cumcm: the CUMCM directory (default ../shared/data/cumcm2020c)")
    bld.add_argument("--raw-dir", help="raw data directory (default $SME_CREDIT_RAW_DIR, else the directory the "
                     "warehouse was last built from, else data/demo)")
    bld.add_argument("--db", help="warehouse file (default $SME_CREDIT_DB, else warehouse/sme_credit.duckdb)")
    bld.add_argument("--enterprises", type=int, default=1000, help="with --data demo: enterprises to generate")
    bld.add_argument("--seed", type=int, default=42, help="with --data demo: generator seed")
    bld.add_argument("--models-from", metavar="OLD.duckdb", default=None,
                     help="score-only mode: score with the fitted PD models of another warehouse instead of refitting")
    bld.add_argument("--full-refresh", action="store_true",
                     help="dbt's --full-refresh (the same as `-- --full-refresh`): incremental models and seeds are "
                     "rebuilt from scratch instead of added to the warehouse's previous build")
    bld.set_defaults(func=cmd_build, takes_dbt_args=True)

    dbt = sub.add_parser(
        "dbt", parents=[common],
        help="run any dbt command against the project (e.g. `sme-credit dbt -- show --select pd_scores`)",
        description="Run any dbt command (everything after `--`, passed unchanged) with the project's profile, "
        "raw directory and warehouse path set. Without --raw-dir or $SME_CREDIT_RAW_DIR the raw views keep "
        "reading the directory the warehouse was last built from.",
    )
    dbt.add_argument("--raw-dir", help="raw data directory (default $SME_CREDIT_RAW_DIR, else the directory the "
                     "warehouse was last built from, else data/demo)")
    dbt.add_argument("--db", help="warehouse file (default $SME_CREDIT_DB, else warehouse/sme_credit.duckdb)")
    dbt.set_defaults(func=cmd_dbt, takes_dbt_args=True)
    bench = sub.add_parser(
        "bench", parents=[common],
        help="benchmarks: `bench [invoices]` times the invoice marts on N invoices; `bench models` compares "
        "the PD models with plain scikit-learn baselines",
        description="`bench invoices` (default): generate N invoices, then, each step in its own process with its "
        "wall and CPU seconds and peak RSS: the floor (one hand-written DuckDB script computing the invoice columns "
        "of enterprise_indicators from the raw files), the peer (pandas groupby over the whole table, CUMCM style, "
        "up to --peer-max-invoices), `dbt run --select +enterprise_indicators` on all months but the last, then "
        "after the last month's file is added; the mart is checked against the floor and the peer (exit 1 if they "
        "differ); prints the table and the ratios (docs/performance.md). `bench models [--db FILE]`: for every fitted PD task of the "
        "warehouse, plain LogisticRegression and RandomForest baselines on the same rows and CV folds next to "
        "every project model; prints the table and writes it to --out (exit 1 if a champion is below a "
        "baseline beyond the fold noise). Benchmarks, not tests.",
    )
    bench.add_argument("what", nargs="?", choices=["invoices", "models"], default="invoices",
                       help="invoices (default) or models")
    bench.add_argument("--db", default=None, help="with models: warehouse file (default warehouse/sme_credit.duckdb)")
    bench.add_argument("--out", default=str(project.PROJECT_DIR / "reports" / "model_benchmark.md"),
                       help="with models: markdown file to write (default reports/model_benchmark.md)")
    bench.add_argument("--scale-rows", type=int, default=None, metavar="N",
                       help="with models: instead, time fit_pd_models with its defaults on N synthetic rows x 25 "
                       "features (a bank-sized table; e.g. 30000)")
    bench.add_argument("--invoices", type=int, default=10_000_000, help="invoice rows (default 10,000,000)")
    bench.add_argument("--enterprises", type=int, default=None, help="enterprises (default invoices / 20,000, at least 1,000)")
    bench.add_argument("--work-dir", default="/tmp/sme_credit_bench",
                       help="scratch directory (deleted afterwards; the numbers stay in WORK_DIR.json)")
    bench.add_argument("--memory-limit", default=None,
                       help="DuckDB memory_limit of the floor and of dbt (default $SME_CREDIT_DUCKDB_MEMORY_LIMIT, else 55%%)")
    bench.add_argument("--peer-max-invoices", type=int, default=30_000_000, metavar="N",
                       help="run the in-memory pandas peer only up to N invoices (default 30,000,000)")
    bench.add_argument("--keep", action="store_true", help="keep the scratch directory")
    bench.set_defaults(func=cmd_bench)

    report = sub.add_parser(
        "report", parents=[common],
        help="write the CUMCM 2020 C results document from a built warehouse",
        description="Write docs/cumcm2020c_results.md (reconciliation, indicator summary, PD models' "
        "cross-validated metrics next to the seed papers', enterprise PDs, the three credit strategies) "
        "from a warehouse built with `make build DATA=cumcm`. Reads the warehouse only.",
    )
    report.add_argument("--db", help="warehouse built on the CUMCM data (default $SME_CREDIT_DB, else "
                        "warehouse/cumcm2020c.duckdb)")
    report.add_argument("--out", default=str(project.PROJECT_DIR / "docs" / "cumcm2020c_results.md"),
                        help="markdown file to write (default docs/cumcm2020c_results.md)")
    report.add_argument("--html", action="store_true",
                        help="instead: write the visual risk report (static site) from the published serving file")
    report.add_argument("--serving", default=None, help="with --html: serving file (default $SME_CREDIT_SERVING_DB, "
                        "else the publication of $SME_CREDIT_DB, else warehouse/serving.duckdb)")
    report.add_argument("--site-dir", default=None, help="with --html: output folder (default reports/risk_report)")
    report.set_defaults(func=cmd_report)
    _add_check_parser(sub)
    return parser


def split_dbt_args(argv: list[str]) -> tuple[list[str], list[str] | None]:
    """Split at the first `--`: the CLI's own arguments, and dbt's (None without `--`), unchanged.

    Done before argparse, which would otherwise hand the first dbt token to an optional positional
    (`build --data cumcm [SRC_DIR]`) and drop or misread the rest."""
    if "--" not in argv:
        return argv, None
    at = argv.index("--")
    return argv[:at], argv[at + 1:]


def error_paragraph(exc: BaseException) -> str:
    """What went wrong and what to do, in one paragraph (the traceback is for --debug)."""
    from sme_credit.ingest.cumcm import IngestError

    if isinstance(exc, project.CliError):
        return str(exc)
    if project.is_lock_error(exc):  # e.g. a writer grabbed the file between dbt and the publication
        return project.lock_message(None, exc)
    if isinstance(exc, IngestError):
        return f"ingest failed: {exc}. Fix or replace that input file and run again."
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.strerror or exc}: {exc.filename}. Check the path and its permissions, then run again."
    return (f"unexpected error {type(exc).__name__}: {exc}. "
            "Run again with `sme-credit --debug ...` for the traceback and report it.")


def main(argv: list[str] | None = None) -> int:
    own_args, dbt_args = split_dbt_args(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    args = parser.parse_args(own_args)
    if getattr(args, "takes_dbt_args", False):
        args.dbt_args = dbt_args or []
    elif dbt_args is not None:
        parser.error(f"`sme-credit {args.command}` takes no dbt arguments (only `build` and `dbt` pass what follows `--`)")
    try:
        return args.func(args)
    except (KeyboardInterrupt, project.Interrupted) as exc:
        reason = "interrupted" if isinstance(exc, KeyboardInterrupt) else str(exc)
        print(f"sme-credit: {reason}; dbt and its worker processes were stopped", file=sys.stderr)
        return 130 if isinstance(exc, KeyboardInterrupt) else 143
    except Exception as exc:  # noqa: BLE001 — every error ends as one readable paragraph
        if args.debug:
            traceback.print_exc()
        plain = args.debug or isinstance(exc, project.CliError) or project.is_lock_error(exc)
        hint = "" if plain else " (`sme-credit --debug ...` shows the traceback)"
        print(f"sme-credit: error: {error_paragraph(exc)}{hint}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
