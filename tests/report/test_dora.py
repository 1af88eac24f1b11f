"""The DORA register package: EBA template layout, a status and evidence for every value."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from cloudaudit.attribution.models import LegalEntity, UltimateParent, lei_check_digits_ok
from cloudaudit.cli import cli
from cloudaudit.report.dora import LEI_CODE, ValueStatus, dora_register
from cloudaudit.report.formats import render
from cloudaudit.report.formats.dora import EVIDENCE_FILE, render_files
from tests.report.sample import sample_report

REPORT = sample_report()


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _evidence(files: dict[str, str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[EVIDENCE_FILE])))


def test_templates_use_the_eba_column_codes() -> None:
    files = render_files(dora_register(REPORT))
    assert sorted(files) == ["b_02.02.csv", "b_05.01.csv", "b_05.02.csv", "b_07.01.csv",
                             EVIDENCE_FILE]  # fmt: skip
    widths = {"b_05.01.csv": 12, "b_05.02.csv": 7, "b_02.02.csv": 18, "b_07.01.csv": 12}
    for name, width in widths.items():
        header, *rows = _rows(files[name])
        assert header == [f"c{10 * n:04d}" for n in range(1, width + 1)], name
        assert rows and all(len(row) == width for row in rows), name


def test_every_cell_has_a_status_and_the_unknowable_is_left_empty() -> None:
    # Given the example company's register package
    files = render_files(dora_register(REPORT))
    evidence = _evidence(files)
    # Then every template cell has exactly one evidence row, whose value is the cell's
    for name in ("b_05.01.csv", "b_05.02.csv", "b_02.02.csv", "b_07.01.csv"):
        header, *rows = _rows(files[name])
        code = name.removesuffix(".csv").upper()
        mine = [e for e in evidence if e["template"] == code]
        assert len(mine) == len(rows) * len(header)
        for item in mine:
            assert rows[int(item["row"]) - 1][header.index(item["column"])] == item["value"]
    assert {e["status"] for e in evidence} <= {s.value for s in ValueStatus}
    # Contract references cannot be known from DNS: empty and missing
    for item in evidence:
        if item["column_name"] == "Contractual arrangement reference number":
            assert item["value"] == "" and item["status"] == "missing", item
    # A provider code is a catalogued LEI with its source, or empty and missing
    for item in evidence:
        if item["column_name"] == "Identification code of ICT third-party service provider":
            if item["status"] == "missing":
                assert item["value"] == "" and "not in the catalogue" in item["evidence"]
            else:
                assert item["status"] == "evidence" and lei_check_digits_ok(item["value"])
                assert "https://" in item["evidence"] and "verified" in item["evidence"]
    # Filled values always say why
    assert all(e["evidence"] for e in evidence if e["status"] != "missing")


AWS_EU = "Amazon Web Services EMEA SARL"  # the catalogue's contracting entity of aws


def test_providers_carry_legal_name_and_headquarters_from_the_catalogue() -> None:
    files = render_files(dora_register(REPORT))
    providers = {row[4]: row for row in _rows(files["b_05.01.csv"])[1:]}
    # AWS is named by the entity EU customers contract with, seated in Luxembourg
    assert "Amazon Web Services, Inc." not in providers
    aws = providers[AWS_EU]
    assert aws[5] == AWS_EU and aws[7] == "eba_GA:LU" and aws[6] == "eba_CT:x212"
    assert providers["Hetzner Online GmbH"][7] == "eba_GA:DE"
    # The catalogue records Amazon.com, Inc. as AWS's ultimate parent, Hetzner's none
    assert aws[10:12] == ["ZXTILKJKG63JELOEG630", LEI_CODE]
    assert providers["Hetzner Online GmbH"][10:12] == ["", ""]
    cells = {(e["subject"], e["column"]): e for e in _evidence(files) if e["template"] == "B_05.01"}
    for column in ("c0050", "c0080"):
        cell = cells[(AWS_EU, column)]
        assert cell["status"] == "evidence", cell
        assert "catalogue contracting_entity of aws" in cell["evidence"]
        assert "https://aws.amazon.com/" in cell["evidence"]
    hq = cells[("Hetzner Online GmbH", "c0080")]
    assert hq["status"] == "evidence" and "catalogue headquarters of hetzner" in hq["evidence"]
    # No LEI is catalogued for it: missing, naming the entity and how GLEIF is asked
    code = cells[(AWS_EU, "c0010")]
    assert code["value"] == "" and code["status"] == "missing"
    assert AWS_EU in code["evidence"] and "catalogue gleif-update" in code["evidence"]


def _lei(base: str) -> str:
    """A made-up LEI: 18 characters and the ISO 7064 MOD 97-10 check digits."""
    number = int("".join(str(int(ch, 36)) for ch in base + "00"))
    return f"{base}{98 - number % 97:02d}"


ENTITY_LEI = _lei("9999000EXAMPLE0001")
PARENT_LEI = _lei("9999000EXAMPLE0002")


def _with_identified_ionos() -> dict[tuple[str, str, str], dict[str, str]]:
    """The example register with IONOS's contracting entity and ultimate parent catalogued and
    OVH's not: its evidence cells by (template, subject, column)."""
    checked = date(2026, 12, 8)
    entity = LegalEntity(
        lei=ENTITY_LEI,
        legal_name="IONOS Example Contracting SE",
        country="LU",
        role="EU contracting entity",
        source="https://lei.example/ionos-entity",
        verified=checked,
    )
    parent = UltimateParent(
        lei=PARENT_LEI,
        legal_name="Example Holding AG",
        source="https://lei.example/holding",
        ownership_source="https://example.test/annual-report",
        verified=checked,
    )
    ionos = REPORT.attribution.providers["ionos"].model_copy(
        update={"contracting_entity": entity, "ultimate_parent": parent}
    )
    providers = {**REPORT.attribution.providers, "ionos": ionos}
    attribution = REPORT.attribution.model_copy(update={"providers": providers})
    files = render_files(dora_register(REPORT.model_copy(update={"attribution": attribution})))
    return {(e["template"], e["subject"], e["column"]): e for e in _evidence(files)}


def test_a_catalogued_lei_and_ultimate_parent_fill_the_provider_codes() -> None:
    cells = _with_identified_ionos()
    ionos = "IONOS Example Contracting SE"
    # B_05.01: the contracting entity's LEI, name and seat, and the ultimate parent's LEI
    code = cells[("B_05.01", ionos, "c0010")]
    assert code["value"] == ENTITY_LEI and code["status"] == "evidence"
    assert "https://lei.example/ionos-entity" in code["evidence"]
    assert "verified 2026-12-08" in code["evidence"]
    assert cells[("B_05.01", ionos, "c0020")]["value"] == LEI_CODE == "eba_qCO:qx2000"
    assert cells[("B_05.01", ionos, "c0050")]["value"] == ionos
    assert cells[("B_05.01", ionos, "c0080")]["value"] == "eba_GA:LU"
    parent = cells[("B_05.01", ionos, "c0110")]
    assert parent["value"] == PARENT_LEI and parent["status"] == "evidence"
    assert "https://lei.example/holding" in parent["evidence"]
    assert "https://example.test/annual-report" in parent["evidence"]
    assert cells[("B_05.01", ionos, "c0120")]["value"] == LEI_CODE
    # Every other template keyed by the provider code carries the same LEI
    assert cells[("B_07.01", f"ERP / {ionos}", "c0020")]["value"] == ENTITY_LEI
    assert cells[("B_07.01", f"ERP / {ionos}", "c0030")]["value"] == LEI_CODE
    arrangements = [v for k, v in cells.items() if k[0] == "B_02.02" and ionos in k[1]]
    assert {c["value"] for c in arrangements if c["column"] == "c0030"} == {ENTITY_LEI}
    assert {c["value"] for c in arrangements if c["column"] == "c0040"} == {LEI_CODE}
    chain = cells[("B_05.02", f"ERP / {ionos}: rank 1 {ionos}", "c0030")]
    assert chain["value"] == ENTITY_LEI and chain["status"] == "evidence"


def test_a_provider_without_a_catalogued_lei_keeps_the_codes_missing() -> None:
    cells = _with_identified_ionos()
    for column in ("c0010", "c0020", "c0110", "c0120"):
        cell = cells[("B_05.01", "OVH SAS", column)]
        assert cell["value"] == "" and cell["status"] == "missing", cell
    assert "not in the catalogue" in cells[("B_05.01", "OVH SAS", "c0010")]["evidence"]
    assert "not in the catalogue" in cells[("B_05.01", "OVH SAS", "c0110")]["evidence"]
    assert cells[("B_07.01", "ERP / OVH SAS", "c0020")]["status"] == "missing"


def test_supply_chain_ranks_a_paas_above_the_cloud_it_runs_on() -> None:
    # Given the website on Netlify, whose addresses are in AWS's published ranges
    files = render_files(dora_register(REPORT))
    chain = [
        e
        for e in _evidence(files)
        if e["template"] == "B_05.02" and e["subject"].startswith("Website / Netlify")
    ]
    ranks = {e["subject"]: e for e in chain if e["column"] == "c0050"}
    # Then Netlify is rank 1 and Amazon Web Services rank 2, seen in the provider stack
    assert ranks["Website / Netlify, Inc.: rank 1 Netlify, Inc."]["value"] == "1"
    second = ranks[f"Website / Netlify, Inc.: rank 2 {AWS_EU}"]
    assert second["value"] == "2" and second["status"] == "evidence"
    assert "netlify (platform) → aws (infrastructure)" in second["evidence"]
    types = {e["value"] for e in chain if e["column"] == "c0020"}
    assert types == {"eba_TA:S18"}  # the arrangement is for a PaaS


def test_catalogue_platform_facts_add_an_inferred_rank() -> None:
    # Given a PaaS seen only at its own layer, with a catalogue fact that it runs on AWS
    service = REPORT.attribution.services[0]
    endpoint = next(e for e in service.endpoints if e.layers[0].provider == "netlify")
    alone = endpoint.model_copy(update={"layers": endpoint.layers[:1]})
    attribution = REPORT.attribution.model_copy(
        update={"services": (service.model_copy(update={"endpoints": (alone,)}),)}
    )
    report = REPORT.model_copy(update={"attribution": attribution})
    # Then rank 2 is AWS, inferred from the catalogue
    files = render_files(dora_register(report))
    rank = next(
        e
        for e in _evidence(files)
        if e["template"] == "B_05.02" and e["column"] == "c0050" and e["value"] == "2"
    )
    assert rank["status"] == "inferred"
    assert rank["evidence"] == "catalogue platform fact: netlify runs on aws"
    assert AWS_EU in files["b_05.01.csv"]


def test_arrangements_locate_data_and_assess_substitutability() -> None:
    files = render_files(dora_register(REPORT))
    evidence = _evidence(files)

    def cell(template: str, subject: str, column: str) -> dict[str, str]:
        return next(
            e
            for e in evidence
            if e["template"] == template and e["subject"] == subject and e["column"] == column
        )

    # The customer API's addresses are in AWS eu-central-1: provided and processed in DE
    api = f"Customer API / {AWS_EU}: DE"
    assert cell("B_02.02", api, "c0130")["value"] == "eba_GA:DE"
    assert cell("B_02.02", api, "c0130")["status"] == "evidence"
    assert cell("B_02.02", api, "c0150")["status"] == "inferred"
    assert cell("B_02.02", api, "c0180")["value"] == "eba_ZZ:x797"  # full reliance
    # The ERP runs on OVHcloud and IONOS: each is the other's alternative
    erp = cell("B_07.01", "ERP / OVH SAS", "c0110")
    assert erp["value"] == "eba_BT:x28" and erp["status"] == "evidence"
    assert cell("B_07.01", "ERP / OVH SAS", "c0120")["value"] == "IONOS SE"
    assert cell("B_07.01", "ERP / OVH SAS", "c0100")["value"] == "eba_ZZ:x793"  # critical
    # The online shop has no alternative in use: substitutability is left to the entity
    shop = cell("B_07.01", "Online shop / Shopify Inc.", "c0050")
    assert shop["value"] == "" and shop["status"] == "missing"


def test_cli_writes_the_package_into_a_directory(tmp_path: Path) -> None:
    # Given a saved report
    saved = tmp_path / "scan.json"
    saved.write_text(render(REPORT, "json"), encoding="utf-8")
    runner = CliRunner()
    # When it is written as a DORA package
    target = tmp_path / "register"
    result = runner.invoke(
        cli, ["report", str(saved), "--offline", "-f", "dora", "-o", str(target)]
    )
    # Then the directory holds the templates and the evidence (exit 1: findings)
    assert result.exit_code == 1, result.output
    assert sorted(p.name for p in target.iterdir()) == [
        "b_02.02.csv", "b_05.01.csv", "b_05.02.csv", "b_07.01.csv", EVIDENCE_FILE,
    ]  # fmt: skip
    assert "eba_GA:US" in (target / "b_05.01.csv").read_text(encoding="utf-8")
    # And without a directory it is a usage error that writes nothing
    result = runner.invoke(cli, ["report", str(saved), "--offline", "-f", "dora"])
    assert result.exit_code == 2
    assert "give -o DIRECTORY" in result.output
    assert json.loads(saved.read_text(encoding="utf-8"))["attribution"]
