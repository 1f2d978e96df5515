"""The dbt project judged by dbt-project-evaluator's rules (dbt-labs/dbt-project-evaluator,
defaults of its dbt_project.yml), applied here to the manifest of `dbt parse` because the
package cannot be installed offline. Each rule is a function of the manifest returning its
violations; a knowingly broken rule is listed in EXCEPTIONS with its reason (and in
dbt_project/README.md). The last tests show that the rules fail on a project that breaks them.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from live_commerce_quality.core import methodology
from live_commerce_quality.core.settings import Settings
from live_commerce_quality.transform.marts import MARTS

pytestmark = pytest.mark.integration

# The evaluator's defaults (its dbt_project.yml vars).
TOO_MANY_JOINS_THRESHOLD = 7  # fct_too_many_joins: flagged at >= 7 direct parents
MODELS_FANOUT_THRESHOLD = 3  # fct_model_fanout: flagged at >= 3 leaf children
# fct_chained_views_dependencies: 5 on DuckDB, 4 on Athena/Trino/ClickHouse; the stricter is used.
CHAINED_VIEWS_THRESHOLD = 4
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",), "marts": ("fct_", "dim_")}
# primary_key_test_macros: unique + not_null on one column (a not_null constraint counts, as
# in the evaluator's mixed method), or a unique-combination test; the project's own
# `unique_combination_of_columns` (tests/generic/) stands in for dbt_utils' and is set in
# the evaluator's var `primary_key_test_macros` (dbt_project/README.md).
COMBINATION_TESTS = {"unique_combination_of_columns"}

# rule -> {resource name: reason}. Also in dbt_project/README.md ("Project rules").
GX_GRAIN = (
    "its grain (subject_kind, subject_id[, indicator_id]) unique and not null is checked by the "
    "GX mart gate (expectations/marts.yml), whose result the evidence pack's data_quality.json "
    "carries; a dbt test would run the same check twice"
)
OUTCOME_MODEL = (
    "the outcome model of one source (reviews, offers) takes the period and attribution from "
    "its order or session; folded into int_indicator_records, its outcome rules (and their "
    "unit tests) would sit in the indicator mapping"
)
EXCEPTIONS: dict[str, dict[str, str]] = {
    "fct_too_many_joins": {
        "int_indicator_records": "a union of the eight per-source outcome models, not a join: "
        "each record is one row of one source",
        "fct_rows_set_aside": "a union of the eight checked sources, not a join",
        "int_delivered_files": "a union of the eleven sources' file lists, not a join",
    },
    "fct_missing_primary_key_tests": {
        "dim_subjects": GX_GRAIN,
        "fct_subject_indicators": GX_GRAIN,
    },
    "fct_rejoining_of_upstream_concepts": {
        "int_orders_scored -> int_reviews_scored -> int_indicator_records": OUTCOME_MODEL,
        "int_sessions_scored -> int_offers_scored -> int_indicator_records": OUTCOME_MODEL,
    },
    "fct_sources_without_freshness": {
        "extracts": "an as-of evaluation reads the deliveries up to a cutoff that may be long "
        "past (re-runs, restatements); what was delivered is judged by the GX extracts gate, "
        "so freshness is no property of a run",
    },
}


def parse_manifest(target: Path) -> dict:
    settings = Settings.from_env()
    dbt_vars = {
        "period_start": "2026-03-01",
        "period_end": "2026-04-01",
        "cutoff": "2026-04-15",
        "as_of_instant": "2026-04-16 00:00:00",
        **methodology.load("1").dbt_vars(),
    }
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [
            str(dbt), "parse", "--no-partial-parse",
            "--project-dir", str(settings.dbt_project), "--profiles-dir", str(settings.dbt_project),
            "--target-path", str(target), "--log-path", str(target / "logs"),
            "--vars", json.dumps(dbt_vars),
        ],
        capture_output=True, text=True, env={**os.environ, "LCQ_WAREHOUSE": str(target / "w.duckdb")},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    return parse_manifest(tmp_path_factory.mktemp("dbt_parse"))


# --- the graph -------------------------------------------------------------------------------


def models(m: dict) -> dict[str, dict]:
    return {k: v for k, v in m["nodes"].items() if v["resource_type"] == "model"}


def data_tests_of(m: dict) -> list[dict]:
    return [v for v in m["nodes"].values() if v["resource_type"] == "test"]


def model_type(node: dict) -> str:
    parts = Path(node["original_file_path"]).parts
    for kind in ("staging", "intermediate", "marts"):
        if kind in parts:
            return kind
    return "other"


def parents(m: dict, node: dict) -> list[str]:
    return sorted(set(node["depends_on"]["nodes"]))


def children(m: dict, exposures: bool = True) -> dict[str, set[str]]:
    """Direct children of each node; tests are no children (as in the evaluator's DAG)."""
    out: dict[str, set[str]] = {}
    for uid, node in [*m["nodes"].items(), *(m.get("exposures", {}).items() if exposures else ())]:
        if node["resource_type"] == "test":
            continue
        for p in node["depends_on"]["nodes"]:
            out.setdefault(p, set()).add(uid)
    return out


def name(m: dict, uid: str) -> str:
    for group in ("nodes", "sources", "exposures"):
        if uid in m.get(group, {}):
            return m[group][uid]["name"]
    return uid


# --- the rules (names as in dbt-project-evaluator) -------------------------------------------


def fct_undocumented_models(m: dict) -> list[str]:
    return sorted(n["name"] for n in models(m).values() if not n["description"].strip())


def fct_undocumented_sources(m: dict) -> list[str]:
    return sorted({s["source_name"] for s in m["sources"].values() if not s["source_description"].strip()})


def fct_undocumented_source_tables(m: dict) -> list[str]:
    return sorted(f"{s['source_name']}.{s['name']}" for s in m["sources"].values() if not s["description"].strip())


def fct_missing_primary_key_tests(m: dict) -> list[str]:
    tested: dict[str, dict[str, set[str]]] = {}
    combination: set[str] = set()
    for t in data_tests_of(m):
        meta, node = t.get("test_metadata") or {}, t.get("attached_node")
        if not node:
            continue
        if meta.get("name") in COMBINATION_TESTS:
            combination.add(node)
        elif meta.get("name") in ("unique", "not_null") and t.get("column_name"):
            tested.setdefault(node, {}).setdefault(t["column_name"], set()).add(meta["name"])
    missing = []
    for uid, node in models(m).items():
        columns = tested.get(uid, {})
        for column, spec in node["columns"].items():
            if any(c["type"] == "not_null" for c in spec.get("constraints", [])):
                columns.setdefault(column, set()).add("not_null")
        if uid not in combination and not any({"unique", "not_null"} <= kinds for kinds in columns.values()):
            missing.append(node["name"])
    return sorted(missing)


def fct_too_many_joins(m: dict) -> list[str]:
    return sorted(n["name"] for n in models(m).values() if len(parents(m, n)) >= TOO_MANY_JOINS_THRESHOLD)


def fct_chained_views_dependencies(m: dict) -> list[str]:
    """A model whose upstream path runs through more than the threshold of views (or
    ephemeral models) in a row: each is recomputed for every reader."""
    nodes = m["nodes"]

    def view_chain(uid: str) -> int:  # longest run of views ending at this node's parents
        best = 0
        for p in nodes.get(uid, {}).get("depends_on", {}).get("nodes", []):
            node = nodes.get(p)
            if node and node["resource_type"] == "model" and node["config"]["materialized"] in ("view", "ephemeral"):
                best = max(best, 1 + view_chain(p))
        return best

    return sorted(n["name"] for uid, n in models(m).items() if view_chain(uid) > CHAINED_VIEWS_THRESHOLD)


def fct_staging_dependent_on_staging(m: dict) -> list[str]:
    all_models = models(m)
    return sorted(
        n["name"]
        for n in all_models.values()
        if model_type(n) == "staging"
        and any(p in all_models and model_type(all_models[p]) == "staging" for p in parents(m, n))
    )


def fct_staging_dependent_on_marts_or_intermediate(m: dict) -> list[str]:
    all_models = models(m)
    return sorted(
        n["name"]
        for n in all_models.values()
        if model_type(n) == "staging"
        and any(p in all_models and model_type(all_models[p]) in ("intermediate", "marts") for p in parents(m, n))
    )


def fct_marts_or_intermediate_dependent_on_source(m: dict) -> list[str]:
    return sorted(
        n["name"]
        for n in models(m).values()
        if model_type(n) in ("intermediate", "marts") and any(p in m["sources"] for p in parents(m, n))
    )


def fct_direct_join_to_source(m: dict) -> list[str]:
    return sorted(
        n["name"]
        for n in models(m).values()
        if any(p in m["sources"] for p in parents(m, n)) and any(p in m["nodes"] for p in parents(m, n))
    )


def fct_multiple_sources_joined(m: dict) -> list[str]:
    return sorted(n["name"] for n in models(m).values() if sum(p in m["sources"] for p in parents(m, n)) > 1)


def fct_source_fanout(m: dict) -> list[str]:
    kids = children(m)
    return sorted(s["name"] for uid, s in m["sources"].items() if sum(k in m["nodes"] for k in kids.get(uid, ())) > 1)


def fct_unused_sources(m: dict) -> list[str]:
    kids = children(m)
    return sorted(s["name"] for uid, s in m["sources"].items() if not kids.get(uid))


def fct_root_models(m: dict) -> list[str]:
    return sorted(n["name"] for n in models(m).values() if not parents(m, n))


def fct_model_fanout(m: dict) -> list[str]:
    kids = children(m)
    all_models = models(m)
    leaves = {uid for uid in all_models if not kids.get(uid)}
    return sorted(
        n["name"]
        for uid, n in all_models.items()
        if len({k for k in kids.get(uid, ()) if k in leaves}) >= MODELS_FANOUT_THRESHOLD
    )


def fct_rejoining_of_upstream_concepts(m: dict) -> list[str]:
    """A parent that is both a direct and a second-level parent of a child, through a model
    that has no other child (that model adds a hop for nothing); exposures left out."""
    kids = children(m, exposures=False)
    found = []
    for node in models(m).values():
        direct = set(parents(m, node))
        for middle in direct:
            middle_node = m["nodes"].get(middle)
            if not middle_node or len(kids.get(middle, ())) != 1:
                continue
            for grand in set(middle_node["depends_on"]["nodes"]) & direct:
                found.append(f"{name(m, grand)} -> {name(m, middle)} -> {node['name']}")
    return sorted(found)


HARD_CODED = re.compile(r"\b(?:from|join)\s+(?!\{\{)([a-z_][\w]*\.[a-z_][\w]*(?:\.[a-z_][\w]*)?)\b", re.IGNORECASE)


def fct_hard_coded_references(m: dict) -> list[str]:
    out = []
    for n in models(m).values():
        code = re.sub(r"\{#.*?#\}|--[^\n]*", "", n["raw_code"], flags=re.DOTALL)
        if HARD_CODED.search(code):
            out.append(n["name"])
    return sorted(out)


def fct_model_naming_conventions(m: dict) -> list[str]:
    return sorted(
        n["name"]
        for n in models(m).values()
        if model_type(n) in PREFIXES and not n["name"].startswith(PREFIXES[model_type(n)])
    )


def fct_model_directories(m: dict) -> list[str]:
    out = []
    for n in models(m).values():
        kind = next((k for k, prefixes in PREFIXES.items() if n["name"].startswith(prefixes)), "other")
        parts = Path(n["original_file_path"]).parts
        if kind != model_type(n):
            out.append(n["name"])
        elif kind == "staging":
            sources = {m["sources"][p]["source_name"] for p in parents(m, n) if p in m["sources"]}
            if not sources or not all(s in parts for s in sources):
                out.append(n["name"])
    return sorted(out)


def fct_source_directories(m: dict) -> list[str]:
    return sorted(
        {
            s["source_name"]
            for s in m["sources"].values()
            if Path(s["original_file_path"]).parts[:3] != ("models", "staging", s["source_name"])
        }
    )


def fct_test_directories(m: dict) -> list[str]:
    out = []
    for t in data_tests_of(m):
        node = m["nodes"].get(t.get("attached_node") or "")
        if node and Path(t["original_file_path"]).parent != Path(node["original_file_path"]).parent:
            out.append(t["name"])
    return sorted(out)


def fct_exposure_parents_materializations(m: dict) -> list[str]:
    out = []
    for e in m.get("exposures", {}).values():
        for p in e["depends_on"]["nodes"]:
            node = m["nodes"].get(p)
            if p in m["sources"] or (node and node["config"]["materialized"] not in ("table", "incremental")):
                out.append(f"{e['name']} <- {name(m, p)}")
    return sorted(out)


def fct_public_models_without_contract(m: dict) -> list[str]:
    return sorted(
        n["name"]
        for n in models(m).values()
        if n.get("access") == "public" and not n["config"].get("contract", {}).get("enforced")
    )


def fct_sources_without_freshness(m: dict) -> list[str]:
    def has_freshness(s: dict) -> bool:
        f = s.get("freshness") or {}
        return bool(f.get("warn_after", {}).get("count") or f.get("error_after", {}).get("count"))

    return sorted({s["source_name"] for s in m["sources"].values() if not has_freshness(s)})


RULES = [
    fct_undocumented_models,
    fct_undocumented_sources,
    fct_undocumented_source_tables,
    fct_missing_primary_key_tests,
    fct_too_many_joins,
    fct_chained_views_dependencies,
    fct_staging_dependent_on_staging,
    fct_staging_dependent_on_marts_or_intermediate,
    fct_marts_or_intermediate_dependent_on_source,
    fct_direct_join_to_source,
    fct_multiple_sources_joined,
    fct_source_fanout,
    fct_unused_sources,
    fct_root_models,
    fct_model_fanout,
    fct_rejoining_of_upstream_concepts,
    fct_hard_coded_references,
    fct_model_naming_conventions,
    fct_model_directories,
    fct_source_directories,
    fct_test_directories,
    fct_exposure_parents_materializations,
    fct_public_models_without_contract,
    fct_sources_without_freshness,
]


def violations(m: dict, rule) -> list[str]:
    allowed = EXCEPTIONS.get(rule.__name__, {})
    return [v for v in rule(m) if v not in allowed]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_rule_passes(manifest, rule):
    assert violations(manifest, rule) == []


@pytest.mark.parametrize("rule_name", sorted(EXCEPTIONS))
def test_every_exception_is_still_needed(manifest, rule_name):
    """An exception that no longer matches a violation is stale: remove it."""
    rule = next(r for r in RULES if r.__name__ == rule_name)
    assert set(EXCEPTIONS[rule_name]) <= set(rule(manifest))


def test_exceptions_are_written_down_in_the_readme():
    readme = (Settings.from_env().dbt_project / "README.md").read_text()
    for rule_name, allowed in EXCEPTIONS.items():
        assert rule_name in readme
        for resource in allowed:
            assert resource in readme, (rule_name, resource)


def test_every_model_has_a_yaml_description_in_its_folder(manifest):
    """Each folder's YAML describes its models (patch file next to the model)."""
    for n in models(manifest).values():
        patch = (n.get("patch_path") or "").split("://")[-1]
        assert patch and Path(patch).parent == Path(n["original_file_path"]).parent, n["name"]


def test_marts_python_reads_have_contracts_and_exposures(manifest):
    by_name = {n["name"]: n for n in models(manifest).values()}
    for mart in MARTS:
        node = by_name[mart]
        assert node["config"]["contract"]["enforced"], mart
        assert node["columns"] and all(c.get("data_type") for c in node["columns"].values()), mart
    exposed = {name(manifest, p) for e in manifest["exposures"].values() for p in e["depends_on"]["nodes"]}
    assert set(MARTS) <= exposed


# --- the rules can fail ----------------------------------------------------------------------


def test_rules_catch_a_missing_description_and_primary_key_test(manifest):
    broken = copy.deepcopy(manifest)
    uid = next(k for k, v in models(broken).items() if v["name"] == "int_orders_scored")
    broken["nodes"][uid]["description"] = ""
    broken["nodes"] = {
        k: v for k, v in broken["nodes"].items() if not (v["resource_type"] == "test" and v.get("attached_node") == uid)
    }
    assert violations(broken, fct_undocumented_models) == ["int_orders_scored"]
    assert violations(broken, fct_missing_primary_key_tests) == ["int_orders_scored"]


def test_rules_catch_too_many_joins_and_staging_on_staging(manifest):
    broken = copy.deepcopy(manifest)
    by_name = {v["name"]: k for k, v in models(broken).items()}
    staging = [k for k, v in models(broken).items() if model_type(v) == "staging"]
    target = broken["nodes"][by_name["fct_order_scope"]]
    target["depends_on"]["nodes"] = [*target["depends_on"]["nodes"], *[by_name[f"int_{e}_current"] for e in (
        "sessions", "offers", "conversations", "reviews", "findings", "complaints", "operators")]]  # fmt: skip
    broken["nodes"][staging[0]]["depends_on"]["nodes"].append(staging[1])
    assert "fct_order_scope" in violations(broken, fct_too_many_joins)
    assert violations(broken, fct_staging_dependent_on_staging) == [broken["nodes"][staging[0]]["name"]]
