"""The four data steps with pandas + scikit-learn, the baseline of the scale benchmark.

    python bench/scale/pandas_steps.py <in.csv> <result.json> [<output folder>]

Same input and the same work as the engine run (bench/scale/engine.ts), written the idiomatic way:
clean (strip, empty as missing, HTML entities decoded, NFC, rows without a label dropped), dedupe
(exact rows, then normalised text), stratified train/validation/test split, StandardScaler and
OneHotEncoder fitted on the training rows only, then ANOVA F (f_classif) with SelectKBest.
Writes wall and CPU time per step and the peak RSS of the process (ru_maxrss) as JSON.

With an output folder, each step also writes its output as a snappy Parquet file there, as the
engine does (pyarrow): the cleaned and deduplicated frames, then the standardized features with the
label and the split of every row. That variant does the same work as the engine, step for step.
"""

import html
import json
import resource
import sys
import time

import numpy as np
import pandas as pd
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

LABEL = "label"
TEXT = "review"
SEED = 42
VALIDATION = 0.15
TEST = 0.15
TOP_K = 8


def clean(path: str) -> pd.DataFrame:
    frame = pd.read_csv(path, keep_default_na=False, na_values=[""], dtype_backend="numpy_nullable")
    for name in frame.columns:
        if frame[name].dtype == object or pd.api.types.is_string_dtype(frame[name]):
            stripped = frame[name].str.strip() if name != TEXT else frame[name]
            frame[name] = stripped.replace("", pd.NA)
    text = frame[TEXT].fillna("")
    has_entity = text.str.contains("&", regex=False)
    text[has_entity] = text[has_entity].map(html.unescape)
    frame[TEXT] = text.str.normalize("NFC")
    return frame[frame[LABEL].notna()].reset_index(drop=True)


def dedupe(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop_duplicates(keep="first")
    key = frame[TEXT].str.lower().str.replace(r"\s+", " ", regex=True).str.strip()
    return frame[~key.duplicated(keep="first")].reset_index(drop=True)


def standardize(frame: pd.DataFrame):
    labels = frame[LABEL].astype(str)
    rest, test = train_test_split(frame, test_size=TEST, stratify=labels, random_state=SEED)
    train, validation = train_test_split(
        rest, test_size=VALIDATION / (1 - TEST), stratify=rest[LABEL].astype(str), random_state=SEED
    )
    features = [c for c in frame.columns if c not in (LABEL, TEXT)]
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(frame[c])]
    categorical = [c for c in features if c not in numeric]
    means = train[numeric].astype("float64").mean()
    scaler = StandardScaler().fit(train[numeric].astype("float64").fillna(means))
    encoder = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=2, sparse_output=False)
    encoder.fit(train[categorical].astype(object).fillna("__missing__"))

    def transform(part: pd.DataFrame) -> np.ndarray:
        scaled = scaler.transform(part[numeric].astype("float64").fillna(means))
        encoded = encoder.transform(part[categorical].astype(object).fillna("__missing__"))
        return np.hstack([scaled, encoded])

    names = numeric + list(encoder.get_feature_names_out(categorical))
    splits = {name: (transform(part), part[LABEL].astype(str).to_numpy()) for name, part in
              (("train", train), ("validation", validation), ("test", test))}
    return splits, names


def select(splits, names):
    matrix, labels = splits["train"]
    selector = SelectKBest(f_classif, k=TOP_K).fit(matrix, labels)
    return [names[i] for i in np.flatnonzero(selector.get_support())]


def standardized_frame(splits, names) -> pd.DataFrame:
    """The standardized rows of all splits as one frame: features, then label and split."""
    parts = []
    for split, (matrix, labels) in splits.items():
        part = pd.DataFrame(matrix, columns=names)
        part[LABEL] = labels
        part["__split"] = split
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def main(path: str, result: str, output: str | None = None) -> None:
    seconds = {}
    cpu_seconds = {}

    def persisted(step, work):
        """`work`, then (with an output folder) its frame written as Parquet."""
        def run(*args):
            value = work(*args)
            if output is not None:
                frame = standardized_frame(*value) if step == "standardized" else value
                frame.to_parquet(f"{output}/{step}.parquet", compression="snappy", index=False)
            return value
        return run

    def timed(step, work, *args):
        start, cpu = time.perf_counter(), time.process_time()
        value = work(*args)
        seconds[step] = time.perf_counter() - start
        cpu_seconds[step] = time.process_time() - cpu
        return value

    cleaned = timed("clean", persisted("cleaned", clean), path)
    rows_in_clean = len(cleaned)
    deduped = timed("dedupe", persisted("deduped", dedupe), cleaned)
    del cleaned
    splits, names = timed("standardize", persisted("standardized", standardize), deduped)
    selected = timed("select", select, splits, names)
    run = {
        "stepSeconds": seconds,
        "totalSeconds": sum(seconds.values()),
        "stepCpuSeconds": cpu_seconds,
        "totalCpuSeconds": sum(cpu_seconds.values()),
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "rowsAfter": {"clean": rows_in_clean, "dedupe": len(deduped)},
        "splits": {name: len(labels) for name, (_, labels) in splits.items()},
        "selected": selected,
        "writesParquet": output is not None,
        "versions": {"pandas": pd.__version__, "scikit-learn": __import__("sklearn").__version__,
                     "pyarrow": __import__("pyarrow").__version__, "python": sys.version.split()[0]},
    }
    with open(result, "w", encoding="utf-8") as out:
        json.dump(run, out, indent=2)


if __name__ == "__main__":
    main(*sys.argv[1:4])
