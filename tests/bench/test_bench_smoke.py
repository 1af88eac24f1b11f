"""bench/ runs end to end on a tiny size. It measures nothing here: no timed assertions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.dnslab import servers_available

pytestmark = pytest.mark.dns


@pytest.mark.skipif(
    not servers_available() or not shutil.which("dnsperf"), reason="needs knot, unbound, dnsperf"
)
def test_bench_runs_end_to_end_on_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "tiny.json"
    result = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--size", "tiny", "--out", str(out)],
        capture_output=True, text=True, timeout=900, cwd=REPO, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["attribution"]["sample"] == 2000
    assert results["attribution"]["batch_differs_from_single"] == 0
    assert results["scan"]["hostnames"] == 100
    assert set(results["rendering"]["seconds"]) == {"table", "json", "markdown", "csv", "html"}
    assert "lookups/s vs py-cloudip" in result.stdout
    assert "batch lookups/s vs py-cloudip" in result.stdout
