"""The DORA register package: one CSV per template in the EBA layout, and their evidence.

Each template file has the column codes as its header row (``c0010,c0020,…``), as the EBA's
xBRL-CSV tables do, and one row per record. ``evidence.csv`` beside them gives, for every
cell, its status (evidence, inferred, missing, not_applicable) and why, so a reviewer can
check each value and see which ones are left to fill. Cells are neutralised against formula
injection by the CSV format's own rule.
"""

from __future__ import annotations

import csv
import io

from cloudaudit.report.dora import DoraRegister
from cloudaudit.report.formats.csv import _cell

EVIDENCE_FILE = "evidence.csv"
EVIDENCE_HEADERS = ("template", "row", "subject", "column", "column_name", "value", "status",
                    "evidence")  # fmt: skip


def _csv(rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue()


def render_files(register: DoraRegister) -> dict[str, str]:
    """File name → text of every file of the package, templates first."""
    files: dict[str, str] = {}
    evidence: list[tuple[str, ...]] = [EVIDENCE_HEADERS]
    for table in register.tables:
        rows: list[tuple[str, ...]] = [tuple(code for code, _ in table.columns)]
        for number, row in enumerate(table.rows, start=1):
            rows.append(tuple(value.value for value in row.values))
            evidence += [
                (
                    table.code,
                    str(number),
                    row.subject,
                    code,
                    name,
                    value.value,
                    value.status.value,
                    value.evidence,
                )  # fmt: skip
                for (code, name), value in zip(table.columns, row.values, strict=True)
            ]
        files[table.file_name] = _csv(rows)
    files[EVIDENCE_FILE] = _csv(evidence)
    return files
