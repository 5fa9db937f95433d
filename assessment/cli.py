"""Command line: a thin layer over the API (``python -m assessment ...``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from assessment.exceptions import AssessmentError, DatasetError, Omitted
from assessment.instrument.models import LANGS
from assessment.intake.dataset import load_dataset
from assessment.intake.survey import SurveyImportError, import_export
from assessment.intake.survey.formats import FORMATS as EXPORT_FORMATS
from assessment.present.questionnaire import FORMATS, PERSPECTIVES, write_questionnaire

MAX_LISTED = 200
SHEET_HELP = ("the sheet of responses.xlsx to read (default: 'sheet' in the dataset's "
              "settings.yaml, else the first sheet)")


def _print_problems(err: DatasetError) -> None:
    print(f"error: {err.total} problem(s) in the dataset; nothing was written.",
          file=sys.stderr)
    listed = [p for p in err.problems if not isinstance(p, Omitted)]
    for p in listed[:MAX_LISTED]:
        print(f"  - {p}", file=sys.stderr)
    if len(listed) > MAX_LISTED:
        print(f"  ... and {len(listed) - MAX_LISTED} more like these (the first {MAX_LISTED} "
              "are listed)", file=sys.stderr)
    for p in err.problems:  # what was counted, not listed one by one
        if isinstance(p, Omitted):
            print(f"  - {p}", file=sys.stderr)


def _cmd_validate(args: argparse.Namespace) -> int:
    ds = load_dataset(args.dataset, sheet=args.sheet)
    n_comp = ds.responses["company_id"].nunique()
    print(f"{ds.name}: valid. {len(ds.responses)} respondents, {n_comp} of "
          f"{len(ds.companies)} companies with answers, waves: "
          f"{', '.join(w for w in ds.waves if w) or '(none)'}; "
          f"instrument {ds.instrument.version}")
    for w in ds.warnings:
        print(f"  warning: {w}")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    # imported here: ``validate`` does not load the scoring, diagnosis and output modules
    from assessment.diagnosis.diagnose import diagnose
    from assessment.present.summary import write_outputs
    from assessment.scoring.tables import score

    ds = load_dataset(args.dataset, sheet=args.sheet)
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


def _cmd_import(args: argparse.Namespace) -> int:
    try:
        report = import_export(
            args.export, args.into, fmt=args.format, mapping=args.mapping, sheet=args.sheet,
            dry_run=args.dry_run, company=args.company, company_column=args.company_column,
            company_name=args.company_name, industry=args.industry,
            perspective=args.perspective, perspective_column=args.perspective_column,
            department_column=args.department_column, wave=args.wave, form_id=args.form_id)
    except SurveyImportError as err:
        for line in err.report.lines():
            print(line, file=sys.stderr)
        return 1
    for line in report.lines():
        print(line)
    return 1 if report.problems else 0


def _cmd_reports(args: argparse.Namespace) -> int:
    from assessment.run.batch import run_reports

    try:
        result = run_reports(
            args.dataset, out=args.out, jobs=args.jobs, lang=args.lang,
            companies=args.companies, force=args.force, self_contained=args.self_contained,
            notebook=args.notebook, scheduler=args.scheduler, timeout=args.timeout,
            fresh_kernels=args.fresh_kernels, pdf=args.pdf, pptx=args.pptx,
            brand=args.brand)
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
    for rep in result.failed_decks:
        print(f"  deck failed: {rep.company_id!r}: {rep.deck['error']}", file=sys.stderr)
    print(f"portfolio: {result.index}")
    return result.exit_code


def _cmd_questionnaire(args: argparse.Namespace) -> int:
    path = write_questionnaire(args.perspective, args.lang, args.format, out=args.out,
                               instrument=args.instrument, integration=args.integration,
                               overwrite=args.force)
    print(f"wrote {path}")
    return 0


def _cmd_workshop(args: argparse.Namespace) -> int:  # pragma: no cover - runs until Ctrl-C
    from assessment.workshop.room.serve import plan_server, serve

    ds = load_dataset(args.dataset)
    known = ds.companies["company_id"].tolist()
    args.company = args.company or known[0]
    if args.company not in known:
        raise AssessmentError(f"{args.dataset}: no company {args.company!r} in companies.csv "
                              f"(there are: {', '.join(known[:20])})")
    return serve(plan_server(args.dataset, args.company, lang=args.lang, port=args.port,
                             host=args.host))


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
    p.add_argument("--sheet", default=None, help=SHEET_HELP)
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("score", help="write scores.csv, findings.csv and summary.json")
    p.add_argument("dataset", help="dataset folder")
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the texts")
    p.add_argument("--sheet", default=None, help=SHEET_HELP)
    p.set_defaults(func=_cmd_score)
    p = sub.add_parser("import", help="append a survey tool's export to a dataset")
    p.add_argument("export", help="the export (CSV or xlsx) as the survey tool wrote it")
    p.add_argument("--into", required=True, help="dataset folder (created when missing)")
    p.add_argument("--format", choices=("auto", *EXPORT_FORMATS), default="auto",
                   help="the tool that wrote the export (default: told from its columns)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--company", default=None, help="company id of every respondent")
    who.add_argument("--company-column", default=None, help="column holding the company id")
    p.add_argument("--company-name", default=None,
                   help="with --company: add the company to companies.csv under this name")
    p.add_argument("--industry", default="", help="with --company-name: its industry")
    lens = p.add_mutually_exclusive_group()
    lens.add_argument("--perspective", choices=("customer", "internal"), default=None,
                      help="perspective of every respondent")
    lens.add_argument("--perspective-column", default=None,
                      help="column holding customer/internal (or Kunde, medewerker, ...)")
    p.add_argument("--department-column", default=None, help="column holding the department")
    p.add_argument("--wave", default=None, help="wave label of the respondents, e.g. 2026-Q1")
    p.add_argument("--mapping", default=None,
                   help="YAML file: columns: {header: item id or ignore}, labels: {label: n}")
    p.add_argument("--sheet", default=None, help="sheet of an xlsx export (default: first)")
    p.add_argument("--form-id", default=None,
                   help="prefix of the respondent ids (default: tool and a hash of the "
                        "form's questions)")
    p.add_argument("--dry-run", action="store_true",
                   help="print the mapping and the problems, write nothing")
    p.set_defaults(func=_cmd_import)
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
    p.add_argument("--pptx", action="store_true",
                   help="also write <slug>.pptx, an editable PowerPoint deck per company")
    p.add_argument("--brand", default=None, metavar="FILE",
                   help="brand YAML file: logo, accent colours, consultancy's name, "
                        "confidentiality line, used by the HTML, PDF and PPTX (default: "
                        "the package's present/brand.yaml)")
    p.set_defaults(func=_cmd_reports)
    p = sub.add_parser("questionnaire",
                       help="the questionnaire for a survey tool, a fill-in template or a "
                            "printable form")
    p.add_argument("--perspective", choices=PERSPECTIVES, required=True,
                   help="customer: experience and threshold items in the customers' "
                        "wording; internal: every item in the staff wording")
    p.add_argument("--lang", choices=LANGS, default="en", help="language of the questions")
    p.add_argument("--format", choices=list(FORMATS), default="html",
                   help="limesurvey, qualtrics (files they import), msforms, googleforms, "
                        "surveymonkey (set-up sheets to paste from), xlsx (fill-in "
                        "template), html (printable form; default)")
    p.add_argument("--out", default=None,
                   help="file to write (default: questionnaire-PERSPECTIVE-LANG-FORMAT... "
                        "in the current folder)")
    p.add_argument("--instrument", default=None,
                   help="packaged instrument version (e.g. 1.0.0) or an instrument YAML "
                        "(default: the newest version)")
    p.add_argument("--integration", action="store_true",
                   help="add the customer-integration items the perspective answers")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=_cmd_questionnaire)
    p = sub.add_parser("workshop", help="the live workshop: the facilitator's page and a "
                                        "participant page for phones, on one server")
    p.add_argument("dataset", help="dataset folder (sessions are saved in its workshops/)")
    p.add_argument("--company", default=None,
                   help="company id from companies.csv (default: the first one)")
    p.add_argument("--lang", choices=LANGS, default="en", help="language to start in")
    p.add_argument("--port", type=int, default=8866, help="port (default: 8866)")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: 127.0.0.1, this machine only; "
                        "0.0.0.0 lets phones on the same network join)")
    p.set_defaults(func=_cmd_workshop)
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
