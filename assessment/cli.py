"""Command line: a thin layer over the API (``python -m assessment ...``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .diagnosis import diagnose
from .exceptions import AssessmentError, DatasetError
from .instrument import LANGS
from .io import load_dataset
from .scoring import score
from .summary import write_outputs

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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``assessment`` command."""
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except DatasetError as err:
        _print_problems(err)
        return 1
    except AssessmentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
