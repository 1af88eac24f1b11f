"""`cloudaudit scan --zone FILE --offline -f json` over DNS-as-code of every format, end to end:
the providers attributed, alias targets attributed through their names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from cloudaudit.cli import cli
from tests.conftest import REPO

EXAMPLES = REPO / "examples" / "dnscode"
APEX = "brightwater-logistik.example"


def scan(path: Path, *extra: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["scan", "--zone", str(path), "--offline", "--no-history", "-f", "json", "-q", *extra]
    )
    assert result.exit_code in (0, 1), result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def layers(report: dict[str, Any]) -> dict[str, list[tuple[str, str, str | None]]]:
    """Endpoint → (provider, role, region) of each layer, outermost first."""
    return {
        endpoint["subject"]: [(x["provider"], x["role"], x["region"]) for x in endpoint["layers"]]
        for service in report["attribution"]["services"]
        for endpoint in service["endpoints"]
    }


def evidence_of(report: dict[str, Any], subject: str) -> list[str]:
    return [
        item["detail"]
        for service in report["attribution"]["services"]
        for endpoint in service["endpoints"]
        if endpoint["subject"] == subject
        for layer in endpoint["layers"]
        for item in layer["evidence"]
    ]


def test_octodns_config_example() -> None:
    report = scan(EXAMPLES / "octodns" / "production.yaml")
    found = layers(report)
    # The apex ALIAS is attributed through its target's name: Netlify, on AWS
    assert found[APEX] == [("netlify", "platform", None), ("aws", "infrastructure", None)]
    assert "ALIAS record to brightwater.netlify.app matches Netlify" in " ".join(
        evidence_of(report, APEX)
    )
    # The proxied record: Cloudflare's edge in front of the Hetzner origin, kept as evidence
    tracking = f"tracking.{APEX}"
    assert found[tracking] == [("cloudflare", "edge", None), ("hetzner", "infrastructure", None)]
    host = report["evidence"]["hosts"][tracking]
    assert [r["value"] for r in host["a"]["records"]] == ["5.9.10.21"]
    assert report["evidence"]["inventory"]["aliases"][tracking]["origin"] == ["5.9.10.21"]
    assert found[f"api.{APEX}"] == [("aws", "infrastructure", "eu-central-1")]
    assert found[f"matrix.{APEX}"] == [("hetzner", "infrastructure", None)]
    (domain,) = report["attribution"]["domains"]
    assert {x["provider"] for ns in domain["dns"] for x in ns["layers"]} == {"cloudflare"}
    assert {x["provider"] for mx in domain["mail"] for x in mx["layers"]} == {"microsoft-365"}


def test_terraform_example() -> None:
    report = scan(EXAMPLES / "terraform-show.json")
    found = layers(report)
    # Route 53 aliases: CloudFront at the apex, the load balancer in Frankfurt for the API
    assert found[APEX] == [("aws", "edge", None)]
    assert found[f"api.{APEX}"] == [("aws", "infrastructure", "eu-central-1")]
    assert "Route 53 alias to d1a2b3c4d5e6f7.cloudfront.net" in " ".join(evidence_of(report, APEX))
    assert found[f"www.{APEX}"][0] == ("netlify", "platform", None)
    assert found[f"erp.{APEX}"] == [("ovhcloud", "infrastructure", None)]
    # The child module's mail records are read
    (domain,) = report["attribution"]["domains"]
    assert {x["provider"] for mx in domain["mail"] for x in mx["layers"]} == {"microsoft-365"}
    apex = report["evidence"]["hosts"][APEX]["a"]
    assert apex["outcome"] == "offline" and "route53" in apex["detail"]


def test_dnscontrol_example() -> None:
    report = scan(EXAMPLES / "dnscontrol.json")
    found = layers(report)
    assert found[APEX] == [("netlify", "platform", None), ("aws", "infrastructure", None)]
    assert found[f"api.{APEX}"] == [("aws", "infrastructure", "eu-central-1")]
    assert found[f"tracking.{APEX}"][0] == ("cloudflare", "edge", None)


def test_route53_export(tmp_path: Path) -> None:
    path = tmp_path / "records.json"
    path.write_text(json.dumps({"ResourceRecordSets": [
        {"Name": "example.org.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z1",
         "DNSName": "dualstack.web-1.eu-west-1.elb.amazonaws.com.", "EvaluateTargetHealth": True}},
        {"Name": "www.example.org.", "Type": "A", "AliasTarget": {"HostedZoneId": "Z0",
         "DNSName": "example.org.", "EvaluateTargetHealth": False}},
        {"Name": "mail.example.org.", "Type": "A", "TTL": 300,
         "ResourceRecords": [{"Value": "3.64.0.10"}]},
    ]}))  # fmt: skip
    found = layers(scan(path))
    assert found["example.org"] == [("aws", "infrastructure", "eu-west-1")]
    # An alias to another record of the zone is followed to that record's target
    assert found["www.example.org"] == [("aws", "infrastructure", "eu-west-1")]
    assert found["mail.example.org"] == [("aws", "infrastructure", "eu-central-1")]


def test_cloudflare_export(tmp_path: Path) -> None:
    path = tmp_path / "dns_records.json"
    path.write_text(json.dumps({"success": True, "result": [
        {"name": "example.org", "type": "CNAME", "content": "site.netlify.app", "proxied": True,
         "ttl": 1, "zone_name": "example.org"},
        {"name": "api.example.org", "type": "A", "content": "3.64.0.10", "proxied": False,
         "ttl": 300},
        {"name": "www.example.org", "type": "CNAME", "content": "example.org", "proxied": False,
         "ttl": 300},
    ]}))  # fmt: skip
    found = layers(scan(path))
    # A flattened, proxied apex CNAME: Cloudflare's edge in front of Netlify
    assert [layer[0] for layer in found["example.org"]] == ["cloudflare", "netlify", "aws"]
    assert found["api.example.org"] == [("aws", "infrastructure", "eu-central-1")]
    # A CNAME to the proxied name is answered by the edge too
    assert [layer[0] for layer in found["www.example.org"]] == ["cloudflare", "netlify", "aws"]


def test_azure_export(tmp_path: Path) -> None:
    path = tmp_path / "record-sets.json"
    path.write_text(json.dumps([
        {"name": "@", "fqdn": "example.org.", "type": "Microsoft.Network/dnszones/A", "TTL": 60,
         "targetResource": {"id": "/subscriptions/s/resourceGroups/g/providers/"
                                  "Microsoft.Network/frontDoors/bw"}},
        {"name": "app", "fqdn": "app.example.org.", "type": "Microsoft.Network/dnszones/CNAME",
         "TTL": 60, "cnameRecord": {"cname": "bw.azurewebsites.net"}},
    ]))  # fmt: skip
    report = scan(path)
    found = layers(report)
    # An alias to an Azure resource by id: Azure, an edge for Front Door
    assert found["example.org"] == [("azure", "edge", None)]
    assert found["app.example.org"][0][0] == "azure"
    assert "Azure DNS alias" in " ".join(evidence_of(report, "example.org"))


def test_notes_reach_stderr_and_the_evidence(tmp_path: Path) -> None:
    path = tmp_path / "example.org.yaml"
    path.write_text("www: {type: A, value: 3.64.0.10}\nloc: {type: LOC, value: {}}\n")
    result = CliRunner().invoke(
        cli, ["scan", "--zone", str(path), "--offline", "--no-history", "-f", "json"]
    )
    assert f"note: {path}:2: loc: LOC record at loc skipped" in result.stderr
    notes = json.loads(result.stdout)["evidence"]["inventory"]["notes"]
    assert notes == [f"{path}:2: loc: LOC record at loc skipped: type not audited"]


@pytest.mark.parametrize(
    ("name", "text", "where"),
    [
        ("example.org.yaml", "www:\n  type: A\n  value: 300.1.1.1\n", "example.org.yaml:3: www.value"),
        ("show.json", '{"format_version": "1.0", "values": {"root_module": {"resources": '
         '[{"type": "aws_route53_record", "address": "aws_route53_record.a", "values": '
         '{"name": "a.example.org", "type": "A", "records": 5}}]}}}',
         "show.json: values.root_module.resources[0] (aws_route53_record.a).values.records"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_place(
    tmp_path: Path, name: str, text: str, where: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(cli, ["scan", "--zone", str(path), "--offline", "--no-history"])
    assert result.exit_code == 2
    assert f"{tmp_path}/{where}" in result.stderr
