"""The DORA register with a GLEIF snapshot: LEIs and ultimate parents the catalogue lacks."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from cloudaudit.attribution.gleif import (
    GleifLookup,
    GleifSnapshot,
    LeiRecord,
    LookupStatus,
    ParentLookup,
    ParentStatus,
    load_snapshot,
    user_gleif_path,
)
from cloudaudit.attribution.models import LegalEntity
from cloudaudit.cli import cli
from cloudaudit.report.dora import LEI_CODE, dora_register
from cloudaudit.report.formats import render
from cloudaudit.report.formats.dora import EVIDENCE_FILE, render_files
from cloudaudit.report.schema import AuditReport
from tests.attribution.gleif_api import IONOS, IONOS_PARENT, OVH, GleifApi, ok
from tests.report.sample import sample_report

REPORT = sample_report()
RETRIEVED = datetime(2026, 12, 8, 1, 2, 3, tzinfo=UTC)
API = "https://api.gleif.org/api/v1"
AMAZON = "ZXTILKJKG63JELOEG630"  # the catalogue's ultimate parent of aws
AWS_EU = "Amazon Web Services EMEA SARL"  # the catalogue's contracting entity of aws


def _record(lei: str, name: str, country: str) -> LeiRecord:
    return LeiRecord(lei=lei, legal_name=name, country=country, registration_status="ISSUED",
                     entity_status="ACTIVE", last_update="2026-11-02T08:31:10Z")  # fmt: skip


def _lookup(provider: str, name: str, status: LookupStatus, **rest: object) -> GleifLookup:
    return GleifLookup.model_validate(
        {
            "provider": provider,
            "subject": "vendor",
            "name": name,
            "country": None,
            "status": status,
            "url": f"{API}/lei-records?filter%5Bentity.legalName%5D=x",
            "retrieved_at": RETRIEVED,
            **rest,
        }
    )


def _parent(status: ParentStatus, **rest: object) -> ParentLookup:
    return ParentLookup.model_validate(
        {
            "status": status,
            "url": f"{API}/lei-records/x/ultimate-parent",
            "retrieved_at": RETRIEVED,
            **rest,
        }  # fmt: skip
    )


def _snapshot(*lookups: GleifLookup) -> GleifSnapshot:
    return GleifSnapshot(generated_at=RETRIEVED, source="official", api=API, lookups=lookups)


def _cells(report: AuditReport, snapshot: GleifSnapshot | None) -> dict[tuple[str, str, str], dict[str, str]]:  # fmt: skip
    files = render_files(dora_register(report, snapshot))
    rows = csv.DictReader(io.StringIO(files[EVIDENCE_FILE]))
    return {(e["template"], e["subject"], e["column"]): e for e in rows}


def _other_lei() -> str:
    base = "9999000TESTOTHER01"
    number = int("".join(str(int(ch, 36)) for ch in base + "00"))
    return f"{base}{98 - number % 97:02d}"


def test_gleif_fills_the_codes_the_catalogue_lacks() -> None:
    # Given a snapshot: IONOS matched with a parent, OVH matched with a reporting exception,
    # Hetzner ambiguous, AWS matched with a parent other than the catalogue's
    snapshot = _snapshot(
        _lookup("ionos", "IONOS SE", LookupStatus.MATCHED,
                record=_record(IONOS, "IONOS SE", "DE"),
                ultimate_parent=_parent(ParentStatus.FOUND,
                                        parent=_record(IONOS_PARENT, "IONOS Holding", "DE"))),
        _lookup("ovhcloud", "OVH SAS", LookupStatus.MATCHED,
                record=_record(OVH, "OVH SAS", "FR"),
                ultimate_parent=_parent(ParentStatus.REPORTING_EXCEPTION,
                                        exception_reason="NON_CONSOLIDATING")),
        _lookup("hetzner", "Hetzner Online GmbH", LookupStatus.AMBIGUOUS,
                reason="2 ISSUED records of an active entity named 'Hetzner Online GmbH' in DE",
                candidates=[_record(IONOS, "Hetzner Online GmbH", "DE"),
                            _record(OVH, "Hetzner Online GmbH", "DE")]),
        _lookup("aws", AWS_EU, LookupStatus.MATCHED, subject="contracting_entity",
                record=_record(_other_lei(), AWS_EU, "LU"),
                ultimate_parent=_parent(ParentStatus.FOUND,
                                        parent=_record(_other_lei(), "Someone Else", "US"))),
    )  # fmt: skip
    cells = _cells(REPORT, snapshot)
    # Then IONOS's LEI and parent are evidence citing the GLEIF record page and the date
    code = cells[("B_05.01", "IONOS SE", "c0010")]
    assert code["value"] == IONOS and code["status"] == "evidence"
    assert f"https://search.gleif.org/#/record/{IONOS}" in code["evidence"]
    assert "GLEIF" in code["evidence"] and "retrieved 2026-12-08" in code["evidence"]
    assert cells[("B_05.01", "IONOS SE", "c0020")]["value"] == LEI_CODE
    parent = cells[("B_05.01", "IONOS SE", "c0110")]
    assert parent["value"] == IONOS_PARENT and parent["status"] == "evidence"
    assert f"https://search.gleif.org/#/record/{IONOS_PARENT}" in parent["evidence"]
    assert cells[("B_05.01", "IONOS SE", "c0120")]["value"] == LEI_CODE
    # The same code keys the provider in the other templates
    assert cells[("B_07.01", "ERP / IONOS SE", "c0020")]["value"] == IONOS
    # OVH: its LEI; no parent, with GLEIF's reason
    assert cells[("B_05.01", "OVH SAS", "c0010")]["value"] == OVH
    ovh_parent = cells[("B_05.01", "OVH SAS", "c0110")]
    assert ovh_parent["value"] == "" and ovh_parent["status"] == "missing"
    assert "reporting exception NON_CONSOLIDATING" in ovh_parent["evidence"]
    assert cells[("B_05.01", "OVH SAS", "c0120")]["status"] == "missing"
    # Hetzner: ambiguous, so left missing and both candidates named
    hetzner = cells[("B_05.01", "Hetzner Online GmbH", "c0010")]
    assert hetzner["value"] == "" and hetzner["status"] == "missing"
    assert IONOS in hetzner["evidence"] and OVH in hetzner["evidence"]
    # AWS: its contracting entity's LEI from GLEIF; the catalogue's parent is kept, and the
    # disagreement said
    aws = cells[("B_05.01", AWS_EU, "c0110")]
    assert aws["value"] == AMAZON and "GLEIF disagrees" in aws["evidence"]
    assert cells[("B_05.01", AWS_EU, "c0010")]["value"] == _other_lei()
    # A vendor the snapshot does not cover says so
    netlify = cells[("B_05.01", "Netlify, Inc.", "c0010")]
    assert netlify["status"] == "missing" and "not in the GLEIF snapshot" in netlify["evidence"]


def test_without_a_snapshot_the_register_says_how_to_get_one() -> None:
    cells = _cells(REPORT, None)
    code = cells[("B_05.01", "IONOS SE", "c0010")]
    assert code["value"] == "" and "catalogue gleif-update" in code["evidence"]


def test_a_catalogued_lei_wins_over_gleif_and_a_disagreement_is_said() -> None:
    entity = LegalEntity(lei=IONOS, legal_name="IONOS Example Contracting SE", country="LU",
                         role="EU contracting entity", source="https://lei.example/ionos",
                         verified=date(2026, 12, 8))  # fmt: skip
    ionos = REPORT.attribution.providers["ionos"].model_copy(update={"contracting_entity": entity})
    providers = {**REPORT.attribution.providers, "ionos": ionos}
    report = REPORT.model_copy(
        update={"attribution": REPORT.attribution.model_copy(update={"providers": providers})}
    )

    def cell(found: str) -> dict[str, str]:
        snapshot = _snapshot(
            _lookup("ionos", "IONOS  example contracting se", LookupStatus.MATCHED,
                    subject="contracting_entity", record=_record(found, entity.legal_name, "LU"))
        )  # fmt: skip
        return _cells(report, snapshot)[("B_05.01", entity.legal_name, "c0010")]

    agreed = cell(IONOS)
    assert agreed["value"] == IONOS and "GLEIF agrees" in agreed["evidence"]
    assert "https://lei.example/ionos" in agreed["evidence"]
    differs = cell(OVH)
    assert differs["value"] == IONOS and differs["status"] == "evidence"
    assert f"GLEIF disagrees: its record of this name is {OVH}" in differs["evidence"]


def _with_ionos_entity(entity: LegalEntity) -> AuditReport:
    ionos = REPORT.attribution.providers["ionos"].model_copy(update={"contracting_entity": entity})
    providers = {**REPORT.attribution.providers, "ionos": ionos}
    return REPORT.model_copy(
        update={"attribution": REPORT.attribution.model_copy(update={"providers": providers})}
    )


def test_a_contracting_entity_without_an_lei_takes_gleifs_record_of_that_entity() -> None:
    # Given IONOS's contracting entity catalogued by name and role only, no LEI
    name = "IONOS Example Cloud S.à r.l."
    entity = LegalEntity(legal_name=name, country="LU", role="contracting party for customers"
                         " in the EEA", source="https://ionos.example/contract-terms",
                         verified=date(2026, 12, 8))  # fmt: skip
    report = _with_ionos_entity(entity)
    vendor = _lookup(
        "ionos",
        "IONOS SE",
        LookupStatus.MATCHED,
        record=_record(IONOS, "IONOS SE", "DE"),
        ultimate_parent=_parent(ParentStatus.FOUND, parent=_record(_other_lei(), "Other", "US")),
    )
    own = _lookup(
        "ionos",
        name,
        LookupStatus.MATCHED,
        subject="contracting_entity",
        country="LU",
        record=_record(OVH, name, "LU"),
        ultimate_parent=_parent(
            ParentStatus.FOUND, parent=_record(IONOS_PARENT, "IONOS Holding", "DE")
        ),
    )
    # When the snapshot has looked that entity up
    cells = _cells(report, _snapshot(vendor, own))
    # Then B_05.01 names it, with its seat, as catalogue evidence citing its source and role
    legal = cells[("B_05.01", name, "c0050")]
    assert legal["value"] == name and legal["status"] == "evidence"
    assert "https://ionos.example/contract-terms" in legal["evidence"]
    assert "contracting party for customers in the EEA" in legal["evidence"]
    seat = cells[("B_05.01", name, "c0080")]
    assert seat["value"] == "eba_GA:LU" and seat["status"] == "evidence"
    assert "https://ionos.example/contract-terms" in seat["evidence"]
    # And its LEI is GLEIF's record of the entity, not of the vendor's parent company
    code = cells[("B_05.01", name, "c0010")]
    assert code["value"] == OVH and code["status"] == "evidence"
    assert f"https://search.gleif.org/#/record/{OVH}" in code["evidence"]
    assert cells[("B_05.01", name, "c0020")]["value"] == LEI_CODE
    assert cells[("B_07.01", f"ERP / {name}", "c0020")]["value"] == OVH
    # And the ultimate parent is GLEIF's parent of that entity
    parent = cells[("B_05.01", name, "c0110")]
    assert parent["value"] == IONOS_PARENT and name in parent["evidence"]
    # When the snapshot has only the vendor's own name: missing, never the vendor's LEI or
    # its parent
    stale_cells = _cells(report, _snapshot(vendor))
    stale = stale_cells[("B_05.01", name, "c0010")]
    assert stale["value"] == "" and stale["status"] == "missing"
    assert stale_cells[("B_05.01", name, "c0110")]["value"] == ""
    assert name in stale["evidence"] and "https://ionos.example/contract-terms" in stale["evidence"]
    assert "not in the GLEIF snapshot" in stale["evidence"]
    assert "run `cloudaudit catalogue gleif-update`" in stale["evidence"]
    # When there is no snapshot at all: missing, saying how to look it up
    unasked = _cells(report, None)[("B_05.01", name, "c0010")]
    assert unasked["value"] == "" and "`cloudaudit catalogue gleif-update`" in unasked["evidence"]


@pytest.fixture
def gleif_api() -> Iterator[tuple[GleifApi, str]]:
    fake = GleifApi(
        names={"IONOS SE": ok("search-ionos.json"), "OVH SAS": ok("search-ovh.json")},
        paths={
            f"/lei-records/{IONOS}/ultimate-parent": ok("parent-ionos.json"),
            f"/lei-records/{OVH}/ultimate-parent-reporting-exception": ok("exception-ovh.json"),
        },
    )
    for base in fake.serve():
        yield fake, base


def test_gleif_update_then_report_fills_the_register(
    gleif_api: tuple[GleifApi, str], tmp_path: Path
) -> None:
    fake, base = gleif_api
    runner = CliRunner()
    # Given the whole catalogue looked up against the loopback GLEIF API
    result = runner.invoke(cli, ["catalogue", "gleif-update", "--source", base])
    assert result.exit_code == 0, result.output
    snapshot = load_snapshot(user_gleif_path())
    assert snapshot.source == base
    by_name = {(lookup.provider, lookup.name): lookup for lookup in snapshot.lookups}
    ionos = by_name[("ionos", "IONOS SE")]
    assert ionos.status is LookupStatus.MATCHED and ionos.url.startswith(f"{base}/lei-records?")
    assert by_name[("netlify", "Netlify, Inc.")].status is LookupStatus.NO_MATCH
    assert f"wrote {user_gleif_path()}" in result.output
    assert all(path.startswith("/api/v1/lei-records") for path in fake.asked)
    # When a saved report is written as the DORA package, with no extra flag
    saved = tmp_path / "scan.json"
    saved.write_text(render(REPORT, "json"), encoding="utf-8")
    target = tmp_path / "register"
    result = runner.invoke(cli, ["report", str(saved), "--offline", "-f", "dora", "-o",
                                 str(target)])  # fmt: skip
    assert result.exit_code == 1, result.output  # findings
    # Then B_05.01 carries IONOS's LEI and parent, and OVH's LEI, from the snapshot
    providers = {
        row["c0050"]: row
        for row in csv.DictReader(io.StringIO((target / "b_05.01.csv").read_text("utf-8")))
    }
    assert [providers["IONOS SE"][c] for c in ("c0010", "c0020", "c0110", "c0120")] == [
        IONOS, LEI_CODE, IONOS_PARENT, LEI_CODE,
    ]  # fmt: skip
    assert [providers["OVH SAS"][c] for c in ("c0010", "c0020", "c0110", "c0120")] == [
        OVH, LEI_CODE, "", "",
    ]  # fmt: skip
    evidence = list(csv.DictReader(io.StringIO((target / EVIDENCE_FILE).read_text("utf-8"))))
    ionos_cells = {
        e["column"]: e
        for e in evidence
        if e["template"] == "B_05.01" and e["subject"] == "IONOS SE"
    }
    for column in ("c0010", "c0020", "c0110", "c0120"):
        assert ionos_cells[column]["status"] == "evidence", ionos_cells[column]
    assert f"https://search.gleif.org/#/record/{IONOS}" in ionos_cells["c0010"]["evidence"]
    # And --gleif points at another snapshot; a malformed one is an error naming file and field
    broken = tmp_path / "gleif.json"
    data = json.loads(user_gleif_path().read_text("utf-8"))
    data["lookups"][0]["status"] = "maybe"
    broken.write_text(json.dumps(data), encoding="utf-8")
    elsewhere = tmp_path / "other"
    result = runner.invoke(cli, ["report", str(saved), "--offline", "-f", "dora", "--gleif",
                                 str(broken), "-o", str(elsewhere)])  # fmt: skip
    assert result.exit_code == 2
    assert f"{broken}: lookups.0.status:" in result.output
    assert not elsewhere.exists()
