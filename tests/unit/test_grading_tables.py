"""Grading whole tables a chunk of subjects at a time (grading/tables.py): the chunk size and
the streamed indicators file change nothing in the outputs, and percentile scores by binary
search are the definition's counts."""

from __future__ import annotations

from contextlib import closing
from datetime import date

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from live_commerce_quality.core import methodology
from live_commerce_quality.grading.grade import percentile_score
from live_commerce_quality.grading.tables import EvaluationContext, grade_all, grade_to_file
from live_commerce_quality.publish.publication import same_rows

CTX = EvaluationContext("2026-03", date(2026, 4, 15), "final")
KINDS = ("operator", "streamer", "platform")
GROUPS = ("douyin|food", "douyin|beauty", "kuaishou|food")

# one subject: kind, peer group, (numerator share, denominator) of each indicator, vetoed
subject_strategy = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(GROUPS),
    st.lists(st.tuples(st.integers(0, 10), st.integers(0, 40)), min_size=13, max_size=13),
    st.booleans(),
)


def _marts(spec: list[tuple], m: methodology.Methodology) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    subjects, rows, vetoes = [], [], []
    for i, (kind, group, counts, vetoed) in enumerate(spec):
        sid = f"s{i:03d}"
        platform = group.split("|")[0]
        subjects.append((kind, sid, f"名{i}", platform, group, 3, 0))
        for ind, (share, n) in zip(m.indicators, counts, strict=True):
            if ind.id == "POST-2":
                rows.append((kind, sid, ind.id, None, float(n), 24.0 + 4 * share if n else None))
            else:
                num = float(min(share * n // 10, n))
                rows.append((kind, sid, ind.id, num, float(n), num / n * ind.scale if n else None))
        if vetoed and kind == "operator":
            vetoes.append((kind, sid, f"F{i}", "counterfeit", "major"))
    subject_cols = ["subject_kind", "subject_id", "subject_name", "platform", "peer_group"]
    subject_cols += ["members_evaluated", "members_vetoed"]
    indicator_cols = ["subject_kind", "subject_id", "indicator_id", "numerator", "denominator", "raw_value"]
    veto_cols = ["subject_kind", "subject_id", "finding_id", "finding_type", "severity"]
    return (
        pl.DataFrame(subjects, schema=subject_cols, orient="row"),
        pl.DataFrame(rows, schema=indicator_cols, orient="row"),
        pl.DataFrame(vetoes, schema={c: pl.String for c in veto_cols}, orient="row"),
    )


@settings(max_examples=30, deadline=None)
@given(st.lists(subject_strategy, min_size=1, max_size=12), st.integers(1, 5), st.sampled_from(["1", "2"]))
def test_any_chunk_size_grades_as_the_whole(spec, chunk, version):
    """Chunks of 1 to 5 subjects give the outputs of one chunk, under linear (v1) and
    percentile (v2) scoring, whose ranks need every peer before any chunk is graded."""
    m = methodology.load(version)
    marts = _marts(spec, m)
    whole = grade_all(*marts, m, CTX, chunk_subjects=1_000)
    chunked = grade_all(*marts, m, CTX, chunk_subjects=chunk)
    assert chunked[0].equals(whole[0])
    assert chunked[1].equals(whole[1])


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 8).map(float), min_size=1, max_size=15),
    st.integers(0, 14),
    st.sampled_from(["higher", "lower"]),
)
def test_percentile_score_counts_as_the_definition(values, pick, direction):
    """The share of the other peers doing worse, ties counting half, counted by hand."""
    value = values[pick % len(values)]
    others = len(values) - 1
    worse = sum(1 for v in values if (v < value if direction == "higher" else v > value))
    ties = sum(1 for v in values if v == value) - 1
    expected = 100.0 if others == 0 else 100.0 * (worse + 0.5 * ties) / others
    assert percentile_score(value, sorted(values), direction) == expected


def test_the_streamed_indicators_file_holds_the_whole_tables_rows(tmp_path):
    m = methodology.load("2")
    spec = [(KINDS[i % 3], GROUPS[i % 2], [(i % 7, 10 + i % 30)] * 13, i % 5 == 0) for i in range(60)]
    marts = _marts(spec, m)
    ratings, indicators = grade_all(*marts, m, CTX)
    with closing(duckdb.connect()) as con:
        streamed = grade_to_file(*marts, m, CTX, tmp_path / "indicators.parquet", con)
    assert streamed.equals(ratings)
    assert pl.read_parquet(tmp_path / "indicators.parquet").equals(indicators)


def test_same_rows_compares_every_window(tmp_path):
    frame = pl.DataFrame({"k": list(range(1_000)), "v": [i / 7 for i in range(1_000)]})
    frame.write_parquet(tmp_path / "a.parquet")
    frame.write_parquet(tmp_path / "b.parquet", row_group_size=64)
    assert same_rows(tmp_path / "a.parquet", tmp_path / "b.parquet", window=100)
    changed = frame.with_columns(v=pl.when(pl.col("k") == 977).then(0.5).otherwise(pl.col("v")))
    changed.write_parquet(tmp_path / "c.parquet")
    assert not same_rows(tmp_path / "a.parquet", tmp_path / "c.parquet", window=100)
    frame.head(999).write_parquet(tmp_path / "d.parquet")
    assert not same_rows(tmp_path / "a.parquet", tmp_path / "d.parquet", window=100)
