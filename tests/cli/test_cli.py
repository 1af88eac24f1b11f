"""The command line as a user meets it: exit codes, errors that name the place, no partial files."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudaudit.cli import cli
from cloudaudit.cli.schema import DOCUMENTS, schema_for
from tests.conftest import REPO
from tests.dnslab import silent_udp_server

EXAMPLE = ["-i", str(REPO / "examples" / "inventory.toml"), "--zone",
           str(REPO / "examples" / "zones" / "brightwater-logistik.example.zone"), "--offline"]  # fmt: skip


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("document", DOCUMENTS)
def test_committed_json_schemas_match_the_models(document: str) -> None:
    committed = json.loads((REPO / "docs" / "schema" / f"{document}.schema.json").read_text())
    assert committed == schema_for(document), (
        f"run `cloudaudit schema --document {document} -o docs/schema/{document}.schema.json`"
    )


def test_example_exits_1_and_writes_the_report(tmp_path: Path) -> None:
    output = tmp_path / "report.html"
    code, stdout, stderr = invoke("scan", *EXAMPLE, "-f", "html", "-o", str(output))
    assert code == 1
    assert output.read_text().startswith("<!DOCTYPE html>")
    assert stdout == ""
    assert "findings: 3 critical" in stderr


def test_fail_on_critical_still_exits_1_and_none_means_0(tmp_path: Path) -> None:
    assert (
        invoke("scan", *EXAMPLE, "-q", "--fail-on", "critical", "-o", str(tmp_path / "r"))[0] == 1
    )
    inventory = tmp_path / "inv.toml"
    inventory.write_text('domains = ["brightwater-logistik.example"]\n')
    zone = str(REPO / "examples" / "zones" / "brightwater-logistik.example.zone")
    code, _, _ = invoke(
        "scan", "-i", str(inventory), "--zone", zone, "--offline", "-q", "--fail-on", "critical"
    )
    assert code == 0


def test_malformed_inventory_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[services]]\nname = "x"\ncriticality = "urgent"\n')
    output = tmp_path / "out.json"
    code, _, stderr = invoke("scan", "-i", str(bad), "-o", str(output))
    assert code == 2
    assert f"{bad}:3: services[0].criticality:" in stderr
    assert not output.exists()


def test_malformed_zone_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zone"
    bad.write_text(
        "$ORIGIN x.example.\n@ 300 IN SOA ns h 1 2 3 4 5\n@ IN NS ns\nwww IN MX notanumber x\n"
    )
    code, _, stderr = invoke("scan", "--zone", str(bad), "-o", str(tmp_path / "out"))
    assert code == 2 and f"{bad}:4:" in stderr
    assert not (tmp_path / "out").exists()


def test_report_re_analyses_saved_evidence_and_rejects_garbage(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence.json"
    invoke("scan", *EXAMPLE, "--evidence-only", "-f", "json", "-o", str(evidence))
    code, stdout, _ = invoke("report", str(evidence), "--offline", "-f", "json")
    assert code == 1 and json.loads(stdout)["evidence"]["source"] == "zone"
    broken = tmp_path / "broken.json"
    broken.write_text('{"tool_version": "1", "started_at": "yesterday"}')
    code, _, stderr = invoke("report", str(broken))
    assert code == 2 and f"{broken}: started_at:" in stderr


def test_simulate_and_lookup(tmp_path: Path) -> None:
    scan = tmp_path / "scan.json"
    invoke("scan", *EXAMPLE, "-f", "json", "-o", str(scan), "-q")
    code, stdout, _ = invoke(
        "simulate", str(scan), "--scenario", "aws-us-east-1-2025-10-20", "-f", "json"
    )
    result = json.loads(stdout)
    assert result["outages"] == [{"provider": "aws", "region": "us-east-1"}]
    assert code in (0, 1)
    code, stdout, _ = invoke("simulate", str(scan), "--outage", "aws", "-f", "json")
    assert code == 1  # the critical Customer API goes down
    assert "brightwater-logistik.example" in json.loads(stdout)["domains_without_dns"]
    assert invoke("simulate", str(scan), "--scenario", "nope")[0] == 2
    code, stdout, _ = invoke("lookup", "--offline", "52.94.76.1", "-f", "json")
    answer = json.loads(stdout)["results"][0]
    assert code == 0 and answer["layers"][0]["provider"] == "aws"
    assert invoke("lookup", "not a host!")[0] == 2


def test_domains_from_stdin(tmp_path: Path) -> None:
    zone = str(REPO / "examples" / "zones" / "brightwater-logistik.example.zone")
    code, _, stderr = invoke("scan", "--domains-file", "-", "--zone", zone, "--offline", "-f", "json",
                             "-o", str(tmp_path / "o.json"), stdin="brightwater-logistik.example\n")  # fmt: skip
    assert code in (0, 1), stderr
    assert json.loads((tmp_path / "o.json").read_text())["evidence"]["inventory"]["domains"] == [
        "brightwater-logistik.example"
    ]


def test_python_dash_m_answers_lookup_offline() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cloudaudit", "lookup", "--offline", "52.94.76.1"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "aws (infrastructure, us-west-2)" in result.stdout


@pytest.mark.dns
def test_sigterm_during_a_scan_leaves_no_output_file(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    with silent_udp_server("127.77.250.8") as silent:
        process = subprocess.Popen(
            [sys.executable, "-m", "cloudaudit", "scan", "example.com", "--resolver", silent,
             "--offline", "--timeout", "5", "-o", str(output), "-f", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
        time.sleep(1.5)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert not output.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary file left behind either


def _children(parent: int) -> list[str]:
    """Process ids whose parent is ``parent`` (from /proc, no procps needed)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[1] == str(parent):
            children.append(stat.parent.name)
    return children


@pytest.mark.dns
def test_sigterm_stops_the_helper_processes_of_a_large_scan(tmp_path: Path) -> None:
    inventory = tmp_path / "many.toml"
    endpoints = ", ".join(f'"h{i}.example.com"' for i in range(1200))
    inventory.write_text(f'[[services]]\nname = "many"\nendpoints = [{endpoints}]\n')
    output = tmp_path / "out" / "report.json"
    output.parent.mkdir()
    with silent_udp_server("127.77.250.9") as silent:
        process = subprocess.Popen(
            [sys.executable, "-m", "cloudaudit", "scan", "-i", str(inventory), "--resolver", silent,
             "--offline", "--workers", "3", "--timeout", "5", "--no-history", "-o", str(output), "-f", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        helpers: list[str] = []
        for _ in range(100):  # wait until both helpers run
            time.sleep(0.1)
            helpers = _children(process.pid)
            if len(helpers) == 2:
                break
        assert len(helpers) == 2
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert not any(Path(f"/proc/{pid}").exists() for pid in helpers)
    assert list(output.parent.iterdir()) == []
