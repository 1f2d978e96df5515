"""The output contract (shared/spec/outputs.md) as data: every published column of the rating
tables, in order, with its type and its 中文 / English label.

Regulators' systems read these files, so columns are added, never renamed or dropped within a
major version. Everything that names an output column derives from here: grading's schemas
(grading/grade.py), the GX output suite's column and key checks (quality/suites.py), and the
headers of the workbook and CSVs (publish/tables.py). tests/unit/test_outputs_contract.py fails
if any of them drifts.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

OUTPUTS_VERSION = "1"


@dataclass(frozen=True)
class OutputColumn:
    name: str
    dtype: type[pl.DataType] | pl.DataType
    label_zh: str
    label_en: str
    # named in outputs.md (the GX suite requires these; the others are additions of this product)
    documented: bool = True
    # never null: the GX suite checks it
    required: bool = False

    @property
    def header(self) -> str:
        """The bilingual header people read: `中文 / English`."""
        return f"{self.label_zh} / {self.label_en}"


@dataclass(frozen=True)
class OutputTable:
    name: str
    file: str
    key: tuple[str, ...]
    columns: tuple[OutputColumn, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def documented(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.documented)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def schema(self) -> dict[str, pl.DataType]:
        """The polars schema of the table, in published column order."""
        return {c.name: c.dtype for c in self.columns}

    def column(self, name: str) -> OutputColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


def _c(name, dtype, zh, en, documented=True, required=False) -> OutputColumn:
    return OutputColumn(name, dtype, zh, en, documented, required)


RATINGS = OutputTable(
    name="ratings",
    file="ratings.parquet",
    key=("subject_kind", "subject_id"),
    columns=(
        _c("subject_kind", pl.String, "评价对象类型", "subject kind", required=True),
        _c("subject_id", pl.String, "评价对象编号", "subject id", required=True),
        _c("subject_name", pl.String, "名称", "name"),
        _c("platform", pl.String, "平台", "platform"),
        _c("period", pl.String, "评价期", "period"),
        _c("as_of", pl.Date, "截止日", "as of"),
        _c("status", pl.String, "状态", "status"),
        _c("version", pl.Int64, "版本", "version"),
        _c("methodology_version", pl.String, "评价方法版本", "methodology version"),
        _c("total_score", pl.Float64, "总分", "total score"),
        _c("grade", pl.String, "等级", "grade", required=True),
        _c("stars", pl.String, "星级", "stars"),
        _c("score_pre", pl.Float64, "交易前得分", "score before"),
        _c("score_in", pl.Float64, "交易中得分", "score during"),
        _c("score_post", pl.Float64, "交易后得分", "score after"),
        _c("applicable_weight", pl.Float64, "适用权重", "applicable weight"),
        _c("veto", pl.Boolean, "否决", "veto", required=True),
        _c("veto_reasons", pl.String, "否决原因", "veto reasons"),
        _c("not_rated_reason", pl.String, "未评级原因", "not-rated reason"),
        _c("rank", pl.Int64, "排名", "rank"),
        _c("peer_percentile", pl.Float64, "同类百分位", "peer percentile"),
        _c("previous_grade", pl.String, "上期等级", "previous grade"),
        _c("score_change", pl.Float64, "分数变化", "score change"),
        _c("members_evaluated", pl.Int64, "参评成员数", "members evaluated", documented=False),
        _c("members_vetoed", pl.Int64, "被否决成员数", "members vetoed", documented=False),
    ),
)

INDICATORS = OutputTable(
    name="indicators",
    file="indicators.parquet",
    key=("subject_kind", "subject_id", "indicator_id"),
    columns=(
        _c("subject_kind", pl.String, "评价对象类型", "subject kind", required=True),
        _c("subject_id", pl.String, "评价对象编号", "subject id", required=True),
        _c("platform", pl.String, "平台", "platform"),
        _c("period", pl.String, "评价期", "period"),
        _c("as_of", pl.Date, "截止日", "as of", documented=False),
        _c("methodology_version", pl.String, "评价方法版本", "methodology version", documented=False),
        _c("indicator_id", pl.String, "指标编号", "indicator id", required=True),
        _c("stage", pl.String, "环节", "stage", documented=False),
        _c("numerator", pl.Float64, "分子", "numerator"),
        _c("denominator", pl.Float64, "分母", "denominator"),
        _c("raw_value", pl.Float64, "原始值", "raw value"),
        _c("peer_rate", pl.Float64, "同类比率", "peer rate"),
        _c("adjusted_value", pl.Float64, "修正值", "adjusted value"),
        _c("score", pl.Float64, "得分", "score"),
        _c("weight", pl.Float64, "权重", "weight"),
        _c("applicable", pl.Boolean, "适用", "applicable"),
        _c("not_applicable_reason", pl.String, "不适用原因", "not-applicable reason"),
    ),
)

TABLES = {t.name: t for t in (RATINGS, INDICATORS)}

# The workbook's sheet of each subject kind (at most 31 characters, Excel's limit).
KIND_SHEETS = {
    "operator": "直播间运营者 operators",
    "streamer": "直播营销人员 streamers",
    "agency": "直播营销服务机构 agencies",
    "platform": "平台 platforms",
}
