"""How often each model version is right on news like the user's: the measured figures, by model version.

The quality file (`espejo.settings.quality_file()`: the committed `nlp/models/quality.json` unless
`$ESPEJO_QUALITY_FILE` names another) holds, for every model version that `espejo eval` has measured with
`--record` (and that `make train` measures), rows of the form

    {"component": "sentiment" | "frames", "dataset": "realnews-dev", "direction": "us->mx" | "mx->us",
     "language": "en" | "es", "metric": "macro_f1" | "stance_spearman" | "micro_f1" | ..., "value": 0.71,
     "n": 201, "unit": "sentences" | "articles"}

keyed by the component's own model version (e.g. `sentiment-e5small-lora-1a2b3c4d`). A run's model
version joins its components with "+" (`CompositeScorer`), so `quality_for(version)` splits it and
gathers each component's rows. Versions are content hashes: a figure can never be shown for a model
it was not measured on.

This module sits beside the layers, as records.py does: nlp writes the file (`espejo eval ... --record`)
and the dashboard reads it, and neither may import the other.
"""

from __future__ import annotations

import datetime
import json
import os
import tempfile
from pathlib import Path

from espejo.settings import quality_file

ROW_FIELDS = ("component", "dataset", "direction", "language", "metric", "value", "n", "unit")


class QualityFileError(ValueError):
    """quality.json is malformed; the message says where."""


def load_quality(path: Path | None = None) -> dict[str, dict]:
    """{model version: {"measured": date, "command": str, "rows": [row, ...]}}; {} when there is no file.
    `path`: the quality file (default `quality_file()`), as for every function here."""
    path = Path(path) if path is not None else quality_file()
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise QualityFileError(f"{path}: {error}") from None
    versions = data.get("versions") if isinstance(data, dict) else None
    if not isinstance(versions, dict):
        raise QualityFileError(f"{path}: expected an object with a 'versions' object")
    for version, entry in versions.items():
        rows = entry.get("rows") if isinstance(entry, dict) else None
        if not isinstance(rows, list):
            raise QualityFileError(f"{path}: versions.{version}: expected a 'rows' list")
        for number, row in enumerate(rows):
            if not isinstance(row, dict) or (missing := [f for f in ROW_FIELDS if f not in row]):
                raise QualityFileError(f"{path}: versions.{version}.rows[{number}]: missing "
                                       f"{', '.join(missing) if isinstance(row, dict) else 'everything'}")
    return versions


def quality_for(model_version: str, path: Path | None = None) -> list[dict]:
    """Every measured row of the components of `model_version` (a run's "A+B" version or one component's)."""
    versions = load_quality(path)
    rows: list[dict] = []
    for component_version in dict.fromkeys(model_version.split("+")):
        entry = versions.get(component_version)
        if entry:
            rows.extend(dict(row, model_version=component_version, measured=entry.get("measured"),
                             command=entry.get("command")) for row in entry["rows"])
    return rows


def record_quality(model_version: str, rows: list[dict], *, command: str, path: Path | None = None) -> Path:
    """Store `rows` for `model_version`, replacing its earlier rows of the same (component, dataset)."""
    for number, row in enumerate(rows):
        if missing := [f for f in ROW_FIELDS if f not in row]:
            raise QualityFileError(f"row {number} for {model_version}: missing {', '.join(missing)}")
    path = Path(path) if path is not None else quality_file()
    versions = load_quality(path)
    replaced = {(row["component"], row["dataset"]) for row in rows}
    entry = versions.get(model_version, {"rows": []})
    kept = [row for row in entry["rows"] if (row["component"], row["dataset"]) not in replaced]
    versions[model_version] = {
        "measured": datetime.date.today().isoformat(),
        "command": command,
        "rows": kept + [{field: row[field] for field in ROW_FIELDS} for row in rows],
    }
    document = {
        "note": "development figures measured by `espejo eval ... --record`; keyed by model version (see espejo/quality.py)",
        "versions": dict(sorted(versions.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".quality-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        json.dump(document, file, indent=1, ensure_ascii=False)
        file.write("\n")
    os.replace(temporary, path)
    return path
