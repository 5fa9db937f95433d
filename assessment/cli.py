"""Command line: a thin layer over the API (``python -m assessment ...``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assessment.diagnosis.diagnose import diagnose
from assessment.exceptions import AssessmentError, DatasetError
from assessment.instrument.models import LANGS
from assessment.intake.dataset import load_dataset
from assessment.present.summary import write_outputs
from assessment.run.batch import run_reports
from assessment.scoring.tables import score

MAX_LISTED = 200


def _print_problems(err: DatasetError) -> None:
    print(f"error: {len(err.problems)} problem(s) in the dataset; nothing was written.",
          file=sys.stderr)
    for p in err.problems[:MAX_LISTED]:
        print(f"  - {p}", file=sys.stderr)
    if len(err.problems) > MAX_LISTED:
        print(f"  ... and {len(err.problems) - MAX_LISTED} more", file=sys.stderr)


def _cmd_validate(args: argparse.Namespace) -> int:
    ds = load_dataset(args.dataset)
    n_comp = ds.responses["company_id"].nunique()
    print(f"{ds.name}: valid. {len(ds.responses)} respondents, {n_comp} of "
          f"{len(ds.companies)} companies with answers, waves: "
          f"{', '.join(w for w in ds.waves if w) or '(none)'}; "
          f"instrument {ds.instrument.version}")
    for w in ds.warnings:
        print(f"  warning: {w}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    ds = load_dataset(args.dataset)
    scores = score(ds)
    diagnoses = diagnose(scores)
    files = write_outputs(args.out, ds, scores, diagnoses, args.lang)
    for w in ds.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for d in diagnoses.values():
        verdicts = ", ".join(f"{lens} {r.verdict}" + (f" ({r.leader})" if r.leader else "")
                             for lens, r in d.lenses.items())
        print(f"  {d.company_id}: {verdicts}{'; lens mismatch' if d.lens_mismatch else ''}")
    print("wrote " + ", ".join(str(f) for f in files))
    return 0


def _cmd_reports(args: argparse.Namespace) -> int:
    try:
        result = run_reports(
            args.dataset, out=args.out, jobs=args.jobs, lang=args.lang,
            companies=args.companies, force=args.force, self_contained=args.self_contained,
            notebook=args.notebook, scheduler=args.scheduler, timeout=args.timeout,
            fresh_kernels=args.fresh_kernels, pdf=args.pdf, brand=args.brand)
    except KeyboardInterrupt:
        print("\ninterrupted: the reports written so far are complete; run the same command "
              "again to make the rest.", file=sys.stderr)
        return 130
    for rep in result.failed:
        where = ""
        if rep.cell:
            where = f" in cell {rep.cell.get('index')} ({rep.cell.get('source')!r})"
        kept = f"; executed notebook kept as {result.out / rep.notebook}" if rep.notebook else ""
        print(f"  failed: {rep.company_id!r}{where}: {rep.error}{kept}", file=sys.stderr)
    print(f"portfolio: {result.index}")
    return result.exit_code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``assessment`` command.

    Examples
    --------
    >>> args = build_parser().parse_args(["reports", "data/sample", "--jobs", "2"])
    >>> args.command, args.jobs, args.out
    ('reports', 2, 'reports')
    """
    parser = argparse.ArgumentParser(
        prog="python -m assessment",
        description="Value-discipline assessment: validate, score and report datasets.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="check a dataset and list every problem")
    p.add_argument("dataset", help="dataset folder (companies.csv, responses.csv/.xlsx)")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("score", help="write scores.csv, findings.csv and summary.json")
    p.add_argument("dataset", help="dataset folder")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the texts")
    p.set_defaults(func=_cmd_score)
    p = sub.add_parser("reports", help="one HTML report per company plus index.html")
    p.add_argument("dataset", help="dataset folder")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--jobs", type=int, default=None,
                   help="reports run at the same time (default: number of cores; capped "
                        "by the reports to run and the memory available)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the reports")
    p.add_argument("--companies", default=None,
                   help="comma-separated company ids to (re)run (default: all)")
    p.add_argument("--force", action="store_true", help="rerun reports that are up to date")
    p.add_argument("--self-contained", action="store_true",
                   help="inline plotly.js in every page (single files for e-mail)")
    p.add_argument("--notebook", default=None,
                   help="report notebook to run (default: notebooks/report.ipynb of the "
                        "repository, else the one in the package)")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:port) to run the reports on")
    p.add_argument("--timeout", type=float, default=600.0,
                   help="seconds a single notebook cell may run (default: 600)")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report (slower; default: one warm "
                        "kernel per parallel job, its namespace cleared between reports)")
    p.add_argument("--pdf", action="store_true",
                   help="also print each report to <slug>.pdf (A4, headless Chromium)")
    p.add_argument("--brand", default=None, metavar="FILE",
                   help="brand YAML file: logo, accent colours, consultancy's name, "
                        "confidentiality line (default: the package's brand.yaml)")
    p.set_defaults(func=_cmd_reports)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 for an invalid dataset, a failed report, unusable arguments or a
        file that cannot be read or written (one ``error:`` line per problem, no
        traceback), 130 after an interrupt.

    Examples
    --------
    >>> main(["validate", "data/sample"])  # doctest: +ELLIPSIS
    sample: valid. ...
    0
    >>> import contextlib, io
    >>> err = io.StringIO()
    >>> with contextlib.redirect_stderr(err):
    ...     main(["reports", "data/sample", "--jobs", "0", "--timeout", "0"])
    1
    >>> print(err.getvalue().strip())
    error: jobs must be a whole number of at least 1, got 0
    error: timeout must be a positive number of seconds, got 0.0
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatasetError as err:
        _print_problems(err)
        return 1
    except AssessmentError as err:
        for line in str(err).splitlines() or [type(err).__name__]:
            print(f"error: {line}", file=sys.stderr)
        return 1
    except OSError as err:  # a file or folder this command could not read or write
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
