"""The workbook's methodology and data-quality sheets: blocks of a bilingual title, a bilingual
header row and rows, one under the other, columns fitted to what they hold."""

from __future__ import annotations

from pathlib import Path

from live_commerce_quality.core.io import json_inline
from live_commerce_quality.core.methodology import Methodology
from live_commerce_quality.publish.quality_page import gate_results, quality_summary
from live_commerce_quality.publish.report_appendix import methodology_appendix


class Blocks:
    """Writes blocks down one sheet; remembers the widest cell of each column."""

    def __init__(self, book, name: str, fmt: dict, repeat_row: int | None = None):
        from live_commerce_quality.publish.workbook import Fitter, print_setup

        self.sheet = book.add_worksheet(name[:31])
        self.fmt, self.fitter, self.row = fmt, Fitter(maximum=60), 0
        print_setup(self.sheet, header_rows=0)
        if repeat_row is not None:  # a sheet of one table repeats its header row on every page
            self.sheet.repeat_rows(repeat_row)
            self.sheet.freeze_panes(repeat_row + 1, 0)

    def line(self, text: str, style: str = "text") -> None:
        self.sheet.write_string(self.row, 0, text, self.fmt[style])
        self.row += 1

    def table(
        self,
        title: str,
        headers: list[str],
        rows: list[list],
        styles: list[str] | None = None,
        cell_styles: dict[tuple[int, int], str] | None = None,
    ) -> None:
        """`headers` are `中文 / English`; `styles` names a format per column (text if none),
        `cell_styles` one for a cell (row, column) of `rows`. Written row after row: the
        workbook keeps only the current row in memory (`constant_memory`)."""
        self.line(title, "title")
        for j, h in enumerate(headers):
            self.sheet.write_string(self.row, j, h, self.fmt["head"])
            self.fitter.see_header(j, h)
        self.sheet.set_row(self.row, 30)
        self.row += 1
        for i, values in enumerate(rows):
            for j, v in enumerate(values):
                column = styles[j] if styles and j < len(styles) else "text"
                style = self.fmt[(cell_styles or {}).get((i, j)) or column]
                if v is None:
                    self.sheet.write_blank(self.row, j, None, style)
                elif isinstance(v, bool):
                    self.sheet.write_string(self.row, j, "是 yes" if v else "否 no", style)
                    self.fitter.see(j, "是 yes")
                elif isinstance(v, int | float):
                    self.sheet.write_number(self.row, j, v, style)
                    self.fitter.see(j, f"{100 * v:.1f}%" if "percent" in column else f"{v:g}")
                else:
                    self.sheet.write_string(self.row, j, str(v), style)
                    self.fitter.see(j, str(v)[:60])
            self.row += 1
        self.row += 1

    def close(self) -> None:
        self.fitter.apply(self.sheet, {j: self.fmt["wrap"] for j in self.fitter.widths})


def write_methodology_sheet(book, m: Methodology, fmt: dict) -> None:
    a = methodology_appendix(m)
    b = Blocks(book, "评价方法 methodology", fmt)
    b.line(f"评价方法 methodology v{a['version']}: {a['title']}", "title")
    b.line(f"SHA-256 {a['hash']}")
    b.row += 1
    b.table(
        "等级 grades",
        ["等级 / grade", "星级 / stars", "含义 / label", "条件 / rule"],
        [list(g) for g in a["grades"]],
    )
    b.table(
        "环节权重 stage weights",
        ["环节 / stage", "权重 / weight", "指标 / indicators"],
        [[s["label"], s["weight"], s["indicators"]] for s in a["stages"]],
    )
    headers = ["指标 / indicator", "环节 / stage", "名称 / name (中文)", "名称 / name (English)", "方向 / direction",
               "单位 / unit", "满分值 / full", "零分值 / zero", "权重 / weight", "最小样本 / n_min",
               "修正 / smoothed", "计分 / scoring", "不适用于 / not for"]  # fmt: skip
    rows = []
    for i in a["indicators"]:
        rows.append([i["id"], i["stage_label"], i["name_zh"], i["name_en"], i["direction"], i["unit"],
                     i["full_value"], i["zero_value"], i["weight"], i["n_min"], i["smoothed"], i["scoring"],
                     i["not_for"]])  # fmt: skip
    # a share's full and zero values read as percentages
    shares = {(r, j): "percent0" for r, i in enumerate(a["indicators"]) if i["is_share"] for j in (6, 7)}
    b.table("指标 indicators", headers, rows, ["text"] * 6 + ["general"] * 2 + ["general"] * 2, shares)
    b.table("否决项 veto rules", ["规则 / rule"], [[v] for v in a["veto"]])
    b.table(
        "计分 scoring",
        ["项目 / item", "规则 / rule"],
        [
            ["线性映射 / linear map", a["linear"]],
            ["环节与总分 / stages and total", a["stage_formula"]],
            ["小样本修正 / smoothing", f"{a['smoothing']}; 适用 applies to {a['smoothed']}"],
            ["原始值计分 / scored raw", a["raw"]],
            ["未评级 / not rated", f"适用权重 < {a['min_weight']:g} applicable weight < {a['min_weight']:g}"],
            ["舍入 / rounding", "仅总分四舍五入至两位小数 only the total is rounded, half-up, two decimals"],
        ],
    )
    b.table("其他规则 other rules", ["规则 / rule", "值 / value"], [[k, json_inline(v)] for k, v in a["rules"].items()])
    b.close()


def write_quality_sheets(book, data_quality: dict, folder: Path, fmt: dict) -> None:
    """The gates, rejected files and rows set aside (from the folder's evidence when there), then every check."""
    evidence = folder / "evidence" / "manifest.json"
    q = quality_summary(folder) if evidence.exists() else None
    gates = q["gates"] if q else gate_results(data_quality)
    b = Blocks(book, "数据质量 data quality", fmt)
    b.table(
        "质量门 gates",
        ["质量门 / gate", "结果 / result", "检查数 / checks", "未通过 / failed"],
        [[g["label"], "通过 passed" if g["passed"] else "未通过 failed", g["checks"], g["failed"]] for g in gates],
    )
    if q is not None:
        b.table(
            f"拒收文件 rejected input files: {len(q['rejected'])}",
            ["数据源 / source", "交付日 / dt", "文件 / file", "原因 / reason", "SHA-256"],
            [[f["source"], f["dt"], f["file_name"], f["reason"], f["sha256"]] for f in q["rejected"]]
            or [["—", "", "无拒收文件 no file rejected", "", ""]],
        )
        b.table(
            f"按数据源 by source (剔除行 rows set aside: {q['rows_set_aside']})",
            ["数据源 / source", "文件 / files", "拒收 / rejected", "输入行 / rows in", "载入行 / rows loaded",
             "接收时剔除 / set aside at ingest", "评价时剔除 / set aside at evaluation", "剔除比例 / share set aside"],
            [[s["source"], s["files"], s["rejected"], s["rows_in"], s["loaded"], s["aside_ingest"],
              s["aside_evaluation"], _share(s["aside_ingest"] + s["aside_evaluation"], s["rows_in"])]
             for s in q["sources"]],
            ["text"] + ["int"] * 6 + ["percent"],
        )  # fmt: skip
        b.table(
            "剔除行 rows set aside, by source and reason",
            ["数据源 / source", "环节 / when", "原因 / reason", "行数 / rows", "示例 / example"],
            [[r["source"], r["at"], r["reason"], r["rows"], r["example"]] for r in q["set_aside"]]
            or [["—", "", "无剔除行 no row set aside", 0, ""]],
        )
    b.close()
    c = Blocks(book, "质量检查 checks", fmt, repeat_row=1)
    c.table(
        "质量检查 every check of the three gates",
        ["质量门 / gate", "对象 / target", "字段 / column", "期望 / expectation", "结果 / result", "观测值 / observed",
         "说明 / message"],
        [[g["name"], r["target"], r["column"], r["expectation"], "通过 passed" if r["success"] else "未通过 failed",
          r["observed"], r["message"]] for g in gates for r in g["results"]],
    )  # fmt: skip
    c.close()


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None
