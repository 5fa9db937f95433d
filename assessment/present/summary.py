"""The scoring core's outputs: ``scores.csv``, ``findings.csv`` and ``summary.json``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from assessment.diagnosis.advice import recommend
from assessment.diagnosis.findings import Diagnosis
from assessment.diagnosis.plain import plain
from assessment.files import atomic_write_files, frame_csv_text
from assessment.intake.dataset import Dataset
from assessment.scoring.quality import quality_summary
from assessment.scoring.tables import Scores

#: the columns of ``Scores.flags`` :func:`~assessment.scoring.quality.quality_summary`
#: reads (a company's rows of a million respondents are gathered for these only)
FLAGS_READ = ["straight_lining", "contradictory"]
SCORE_COLUMNS = ["company_id", "wave", "section", "discipline", "lens", "perspective", "mean",
                 "n", "sd", "ci_low", "ci_high", "rwg", "shown", "instrument_version"]


def scores_table(scores: Scores) -> pd.DataFrame:
    """The tidy ``scores.csv`` table (hidden groups keep their n but no statistics).

    Rows of ``section`` ``disciplines`` hold the discipline scores; rows of ``section``
    ``integration`` the customer-integration scores, with the role or scale in
    ``discipline`` and the block (roles, participation, motives, ...) in ``lens``.

    Examples
    --------
    >>> import assessment as va
    >>> table = scores_table(va.score(va.load_dataset("data/sample")))
    >>> sorted(table["section"].unique())
    ['disciplines', 'integration']
    """
    core = scores.company.assign(section="disciplines",
                                 instrument_version=scores.instrument_version)
    frames = [core]
    if scores.integration is not None and len(scores.integration):
        integ = scores.integration.rename(columns={"scale": "discipline", "block": "lens"})
        version = scores.integration_instrument.version if scores.integration_instrument else ""
        frames.append(integ.assign(section="integration",
                                   instrument_version=f"{scores.instrument_version}+ci{version}"))
    out = pd.concat(frames, ignore_index=True)
    return out[SCORE_COLUMNS].sort_values(
        ["company_id", "wave", "section", "lens", "discipline", "perspective"],
        ignore_index=True)


def findings_table(diagnoses: dict[str, Diagnosis], lang: str = "en") -> pd.DataFrame:
    """One row per finding, with its text in ``lang``.

    Examples
    --------
    >>> import assessment as va
    >>> scores = va.score(va.load_dataset("data/sample"))
    >>> table = findings_table(va.diagnose(scores, ["pcmaker"]), "de")
    >>> table.columns.tolist()[:4], table["code"].iloc[0]
    (['company_id', 'wave', 'code', 'severity'], 'leader')
    """
    rows = []
    for d in diagnoses.values():
        for f in d.findings:
            rows.append({"company_id": d.company_id, "wave": d.wave, "code": f.code,
                         "severity": f.severity, "lens": f.lens, "discipline": f.discipline,
                         "established": f.established, "confidence": f.confidence,
                         "title": f.title(lang), "text": f.text(lang, d.instrument),
                         "instrument_version": d.instrument_version})
    cols = ["company_id", "wave", "code", "severity", "lens", "discipline", "established",
            "confidence", "title", "text", "instrument_version"]
    return pd.DataFrame(rows, columns=cols)


def build_summary(dataset: Dataset, scores: Scores, diagnoses: dict[str, Diagnosis],
                  lang: str = "en") -> dict:
    """The ``summary.json`` document: per company the verdicts, gaps and findings.

    Each company's ``data_quality`` counts its flagged respondents (never their ids) and
    gives its Cronbach's alpha per scale with the scales under ``min_alpha``
    (:func:`assessment.scoring.quality.quality_summary`).

    Examples
    --------
    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> summary = build_summary(ds, scores, va.diagnose(scores))
    >>> summary["instrument_version"], summary["companies"][0]["company_id"]
    ('1.0.0', 'pcmaker')
    >>> quality = summary["companies"][0]["data_quality"]
    >>> quality["straight_lining"], quality["contradictory"], quality["excluded"]
    (0, 0, False)
    """
    waves: dict[str, list[str]] = {}
    for cid, wave in scores.company_waves():
        waves.setdefault(cid, []).append(wave)
    drop = scores.dropped
    dropped = {(str(c), str(w)): int(n) for c, w, n in zip(
        drop["company_id"], drop["wave"], drop["n_dropped"], strict=True)}
    companies = []
    for cid, diag in diagnoses.items():
        entry = diag.to_dict(lang)
        entry["recommendations"] = [r.to_dict(lang, diag.instrument) for r in recommend(diag)]
        entry["headline_findings"] = [f.code for f in diag.top_findings()]
        entry["not_established"] = [f.code for f in diag.not_established()]
        entry["waves"] = sorted(w for w in waves.get(cid, []) if w)
        entry["dropped_scores"] = dropped.get((str(cid), str(diag.wave)), 0)
        entry["data_quality"] = quality_summary(
            scores.rows("flags", cid, diag.wave, FLAGS_READ),
            scores.rows("company_reliability", cid, diag.wave), scores.thresholds)
        companies.append(entry)
    return {
        "dataset": dataset.name,
        "instrument_version": scores.instrument_version,
        "lang": lang,
        "thresholds": plain(scores.thresholds.model_dump()),
        "reliability": plain(scores.reliability.to_dict(orient="records")),
        "warnings": [str(w) for w in dataset.warnings],
        "companies": companies,
    }


def write_outputs(out_dir: str | Path, dataset: Dataset, scores: Scores,
                  diagnoses: dict[str, Diagnosis], lang: str = "en") -> list[Path]:
    """Write ``scores.csv``, ``findings.csv`` and ``summary.json`` into ``out_dir``, all
    or none.

    Each file goes to a temporary name in the folder first and all are then renamed into
    place (:func:`assessment.files.atomic_write_files`): when one cannot be written (a
    full disk), the files of an earlier run stay as they were. Text a spreadsheet would
    run as a formula (an id ``=HYPERLINK(...)``) gets a leading ``'`` in the CSV files.

    Examples
    --------
    >>> import tempfile
    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> paths = write_outputs(tempfile.mkdtemp(), ds, scores, va.diagnose(scores))
    >>> [p.name for p in paths]
    ['scores.csv', 'findings.csv', 'summary.json']
    """
    out = Path(out_dir)
    summary = build_summary(dataset, scores, diagnoses, lang)
    files = {
        "scores.csv": frame_csv_text(scores_table(scores), float_format="%.4f"),
        "findings.csv": frame_csv_text(findings_table(diagnoses, lang)),
        "summary.json": json.dumps(summary, ensure_ascii=False, indent=2) + "\n",
    }
    atomic_write_files({out / name: text.encode("utf-8") for name, text in files.items()})
    return [out / n for n in files]
