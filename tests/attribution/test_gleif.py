"""GLEIF look-ups: the parsing rules without sockets, the update against a loopback API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from cloudaudit.attribution.catalogue import Catalogue
from cloudaudit.attribution.gleif import (
    GleifClient,
    GleifResponseError,
    LookupStatus,
    ParentStatus,
    decode,
    load_snapshot,
    normalise_name,
    parse_exception_reason,
    parse_record,
    parse_search,
    queries,
    update_gleif,
)
from cloudaudit.errors import InputError, ServiceError
from tests.attribution.gleif_api import (
    ACME,
    ACME_PARENT,
    DATA,
    GLOBEX,
    INITECH,
    NAME_FILTER,
    UMBRELLA,
    GleifApi,
    Reply,
    ok,
)

NOW = datetime(2026, 12, 8, 1, 2, 3, tzinfo=UTC)
VENDORS = {  # id: (legal name, headquarters)
    "acme": ("Acme Cloud GmbH", "DE"),
    "globex": ("Globex Ltd", "GB"),
    "hooli": ("Hooli Inc.", "US"),
    "initech": ("Initech SA", "FR"),
    "soylent": ("Soylent Corp", "US"),
    "umbrella": ("Umbrella Corp", "US"),
    "wonka": ("Wonka Industries Ltd", "GB"),
}


def _document(name: str) -> dict[str, object]:
    return decode((DATA / name).read_bytes())


def _catalogue() -> Catalogue:
    return Catalogue.model_validate(
        {
            "providers": [
                {
                    "id": vendor,
                    "name": vendor.title(),
                    "legal_name": legal_name,
                    "kinds": ["cloud"],
                    "headquarters": country,
                    "jurisdiction": "EU" if country in ("DE", "FR") else country,
                    "cloud_act": country == "US",
                }
                for vendor, (legal_name, country) in VENDORS.items()
            ]
        }
    )


# Pure parsing -----------------------------------------------------------------------------


def test_names_compare_without_case_or_extra_whitespace() -> None:
    assert normalise_name("  ACME\tCloud   gmbh ") == normalise_name("Acme Cloud GmbH")
    assert normalise_name("Acme Cloud GmbH") != normalise_name("Acme Cloud GmbH i.L.")
    assert normalise_name("Société Générale") == normalise_name("SOCIÉTÉ GÉNÉRALE")


def test_a_search_keeps_only_issued_active_entities_of_the_name_and_country() -> None:
    # Given four records named Acme Cloud GmbH: one in DE, a namesake in AT, a lapsed LEI
    # and a branch
    document = _document("search-acme.json")
    # Then only the issued LEI of the active German entity fits
    result = parse_search(document, "Acme Cloud GmbH", "DE")
    assert [record.lei for record in result.matches] == [ACME]
    assert result.others == 3 and result.total == 4
    match = result.matches[0]
    assert (match.country, match.registration_status, match.entity_status) == ("DE", "ISSUED",
                                                                               "ACTIVE")  # fmt: skip
    assert match.last_update == "2026-11-02T08:31:10Z"
    assert match.page == f"https://search.gleif.org/#/record/{ACME}"
    # Without a country both the German and the Austrian entity fit
    assert len(parse_search(document, "Acme Cloud GmbH", None).matches) == 2
    # Another name fits nothing
    assert parse_search(document, "Acme Cloud", "DE").matches == ()


def test_two_records_of_one_name_are_both_kept_for_the_caller_to_report() -> None:
    result = parse_search(_document("search-globex.json"), "Globex Ltd", "GB")
    assert tuple(record.lei for record in result.matches) == GLOBEX


def test_parents_and_reporting_exceptions_parse() -> None:
    parent = parse_record(_document("parent-acme.json")["data"])
    assert (parent.lei, parent.legal_name, parent.country) == (ACME_PARENT, "Acme Holding AG",
                                                               "CH")  # fmt: skip
    assert parse_exception_reason(_document("exception-initech.json")) == "NATURAL_PERSONS"


def test_malformed_answers_say_what_is_wrong() -> None:
    with pytest.raises(GleifResponseError, match="malformed JSON"):
        decode((DATA / "malformed.json").read_bytes())
    with pytest.raises(GleifResponseError, match="expected a JSON:API document"):
        decode(b"[]")
    record = _document("parent-acme.json")["data"]
    assert isinstance(record, dict)
    del record["attributes"]["registration"]["lastUpdateDate"]
    with pytest.raises(GleifResponseError, match="missing registration.lastUpdateDate"):
        parse_record(record)
    record["attributes"]["registration"]["lastUpdateDate"] = "2026-11-02T08:31:10Z"
    record["attributes"]["lei"] = ACME[:-1] + "0"
    with pytest.raises(GleifResponseError, match="lei: .*check digits"):
        parse_record(record)
    with pytest.raises(GleifResponseError, match="data is not a list"):
        parse_search({"data": {}}, "Acme Cloud GmbH", None)


def test_a_malformed_snapshot_names_the_file_and_field(tmp_path: Path) -> None:
    path = tmp_path / "gleif.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match=f"^{path}: .*not a valid GLEIF snapshot"):
        load_snapshot(path)
    snapshot = {
        "format": 1,
        "generated_at": "2026-12-08T01:02:03Z",
        "source": "official",
        "api": "https://api.gleif.org/api/v1",
        "lookups": [
            {
                "provider": "acme",
                "subject": "vendor",
                "name": "Acme Cloud GmbH",
                "country": "DE",
                "status": "matched",
                "url": "https://api.gleif.org/api/v1/lei-records?x",
                "retrieved_at": "2026-12-08T01:02:03Z",
                "record": {
                    "lei": ACME[:-1] + "0",
                    "legal_name": "Acme Cloud GmbH",
                    "country": "DE",
                    "registration_status": "ISSUED",
                    "entity_status": "ACTIVE",
                    "last_update": "2026-11-02T08:31:10Z",
                },
            }
        ],
    }
    path.write_text(json.dumps(snapshot), encoding="utf-8")
    with pytest.raises(InputError) as raised:
        load_snapshot(path)
    assert raised.value.source == str(path)
    assert raised.value.field == "lookups.0.record.lei"
    assert "check digits" in str(raised.value)
    with pytest.raises(InputError, match="cannot read GLEIF snapshot"):
        load_snapshot(tmp_path / "absent.json")


# Against a loopback GLEIF API -------------------------------------------------------------


def _api() -> GleifApi:
    """Every case: a match with a parent, none, two, a reporting exception, 429 then success,
    500 every time and malformed JSON."""
    return GleifApi(
        names={
            "Acme Cloud GmbH": ok("search-acme.json"),
            "Globex Ltd": ok("search-globex.json"),
            "Initech SA": ok("search-initech.json"),
            "Umbrella Corp": [
                Reply(429, "not-found.json", (("Retry-After", "3"),)),
                Reply(200, "search-umbrella.json"),
            ],
            "Soylent Corp": [Reply(500, "not-found.json")],
            "Wonka Industries Ltd": ok("malformed.json"),
        },
        paths={
            f"/lei-records/{ACME}/ultimate-parent": ok("parent-acme.json"),
            f"/lei-records/{INITECH}/ultimate-parent-reporting-exception": ok(
                "exception-initech.json"
            ),
        },
    )


@pytest.fixture
def api() -> Iterator[tuple[GleifApi, str]]:
    fake = _api()
    for base in fake.serve():
        yield fake, base


def _client(base: str, sleeps: list[float], max_bytes: int = 2**20) -> GleifClient:
    return GleifClient(base, sleep=sleeps.append, max_bytes=max_bytes)


def test_the_update_records_every_answer_with_its_provenance(
    api: tuple[GleifApi, str], tmp_path: Path
) -> None:
    fake, base = api
    sleeps: list[float] = []
    # When every vendor of the catalogue is looked up
    client = _client(base, sleeps)
    report = update_gleif(_catalogue(), tmp_path, source=base, client=client, now=lambda: NOW)
    # Then the snapshot holds one entry per vendor, with where and when it was asked
    snapshot = load_snapshot(tmp_path / "gleif.json")
    assert report.path == tmp_path / "gleif.json"
    assert (snapshot.source, snapshot.api, snapshot.generated_at) == (base, base, NOW)
    found = {lookup.provider: lookup for lookup in snapshot.lookups}
    assert sorted(found) == sorted(VENDORS)
    for vendor, lookup in found.items():
        assert lookup.name == VENDORS[vendor][0] and lookup.country == VENDORS[vendor][1]
        asked = urlsplit(lookup.url)
        assert lookup.url.startswith(f"{base}/lei-records?")
        assert parse_qs(asked.query) == {NAME_FILTER: [lookup.name], "page[size]": ["50"]}
        assert lookup.retrieved_at == NOW
    # One exact match: its LEI, name, country, GLEIF's own update date, and its parent
    acme = found["acme"]
    assert acme.status is LookupStatus.MATCHED and acme.record is not None
    assert (acme.record.lei, acme.record.legal_name, acme.record.country) == (
        ACME,
        "ACME  Cloud gmbh",
        "DE",
    )
    assert acme.record.last_update == "2026-11-02T08:31:10Z"
    parent = acme.ultimate_parent
    assert parent is not None and parent.status is ParentStatus.FOUND and parent.parent
    assert parent.parent.lei == ACME_PARENT
    assert parent.url == f"{base}/lei-records/{ACME}/ultimate-parent"
    assert parent.retrieved_at == NOW
    # Two matches: reported with both candidates, neither chosen, no parent asked
    globex = found["globex"]
    assert globex.status is LookupStatus.AMBIGUOUS and globex.record is None
    assert tuple(record.lei for record in globex.candidates) == GLOBEX
    assert "2 ISSUED records" in (globex.reason or "")
    assert not any(GLOBEX[0] in path or GLOBEX[1] in path for path in fake.asked)
    # No match
    hooli = found["hooli"]
    assert hooli.status is LookupStatus.NO_MATCH and hooli.record is None
    assert hooli.reason == "no LEI record named 'Hooli Inc.'"
    # A reporting exception instead of a parent
    initech = found["initech"].ultimate_parent
    assert initech is not None and initech.status is ParentStatus.REPORTING_EXCEPTION
    assert initech.exception_reason == "NATURAL_PERSONS"
    assert initech.url == f"{base}/lei-records/{INITECH}/ultimate-parent-reporting-exception"
    # 429 then success: matched after waiting what Retry-After said; no parent on record
    umbrella = found["umbrella"]
    assert umbrella.status is LookupStatus.MATCHED and umbrella.record
    assert umbrella.record.lei == UMBRELLA
    assert umbrella.ultimate_parent and umbrella.ultimate_parent.status is ParentStatus.NONE
    assert sum(1 for path in fake.asked if "Umbrella" in path) == 2
    # 500 every time: four attempts, backing off 1, 2, 4 s, then an error for that vendor only
    soylent = found["soylent"]
    assert soylent.status is LookupStatus.ERROR and soylent.record is None
    assert "HTTP 500 after 4 attempts" in (soylent.reason or "")
    assert sum(1 for path in fake.asked if "Soylent" in path) == 4
    assert sleeps == [1.0, 2.0, 4.0, 3.0]
    # Malformed JSON: an error naming the URL
    wonka = found["wonka"]
    assert wonka.status is LookupStatus.ERROR
    assert "malformed JSON" in (wonka.reason or "") and base in (wonka.reason or "")
    assert {lookup.provider for lookup in report.failed} == {"soylent", "wonka"}
    # Every request went to the loopback API
    assert all(path.startswith("/api/v1/lei-records") for path in fake.asked)


def _with_contracting_entities() -> Catalogue:
    """The test catalogue with two contracting entities and no LEI for either: Hooli's EU
    subsidiary, and Acme's, named as Acme itself."""
    catalogue = _catalogue()
    entity = {"role": "contracting party for customers in the EEA",
              "source": "https://example.test/terms", "verified": "2026-12-08"}  # fmt: skip
    named = {"hooli": ("Hooli Europe B.V.", "NL"), "acme": ("ACME Cloud GmbH", "DE")}
    providers = [provider.model_dump() for provider in catalogue.providers]
    for provider in providers:
        if provider["id"] in named:
            name, country = named[provider["id"]]
            provider["contracting_entity"] = {**entity, "legal_name": name, "country": country}
    return Catalogue.model_validate({"providers": providers})


def test_a_contracting_entity_without_an_lei_is_asked_by_its_name_and_country(
    api: tuple[GleifApi, str], tmp_path: Path
) -> None:
    catalogue = _with_contracting_entities()
    assert catalogue.by_id["hooli"].contracting_entity is not None
    assert catalogue.by_id["hooli"].contracting_entity.lei is None
    # The entity is asked in its own country, besides the vendor's name in its headquarters;
    # one named as the vendor itself is asked once
    asked = [(q.provider, q.subject, q.name, q.country) for q in queries(catalogue)]
    assert ("hooli", "contracting_entity", "Hooli Europe B.V.", "NL") in asked
    assert ("hooli", "vendor", "Hooli Inc.", "US") in asked
    assert [a for a in asked if a[0] == "acme"] == [("acme", "vendor", "Acme Cloud GmbH", "DE")]
    # And the update records its answer where the register looks it up
    fake, base = api
    update_gleif(catalogue, tmp_path, source=base, providers=("hooli",),
                 client=_client(base, []), now=lambda: NOW)  # fmt: skip
    names_asked = [parse_qs(urlsplit(path).query).get(NAME_FILTER) for path in fake.asked]
    assert ["Hooli Europe B.V."] in names_asked and ["Hooli Inc."] in names_asked
    snapshot = load_snapshot(tmp_path / "gleif.json")
    found = snapshot.find("hooli", "hooli  europe b.v.")
    assert found is not None and found.subject == "contracting_entity"
    assert (found.name, found.country, found.status) == ("Hooli Europe B.V.", "NL",
                                                         LookupStatus.NO_MATCH)  # fmt: skip


def test_a_failed_lookup_keeps_the_previous_match_and_unasked_vendors_stay(
    api: tuple[GleifApi, str], tmp_path: Path
) -> None:
    fake, base = api
    sleeps: list[float] = []
    update_gleif(_catalogue(), tmp_path, source=base, client=_client(base, sleeps),
                 now=lambda: NOW)  # fmt: skip
    # When only acme and hooli are asked again and GLEIF now fails for acme
    fake.names["Acme Cloud GmbH"] = [Reply(503, "not-found.json")]
    later = datetime(2026, 12, 9, tzinfo=UTC)
    report = update_gleif(_catalogue(), tmp_path, source=base, providers=("acme", "hooli"),
                          client=_client(base, sleeps), now=lambda: later)  # fmt: skip
    # Then acme keeps its previous record, marked and dated as before
    snapshot = load_snapshot(tmp_path / "gleif.json")
    acme = next(lookup for lookup in snapshot.lookups if lookup.provider == "acme")
    assert acme.status is LookupStatus.KEPT_PREVIOUS
    assert acme.record and acme.record.lei == ACME and acme.retrieved_at == NOW
    assert "HTTP 503" in (acme.reason or "")
    assert acme.usable is not None and [lookup.provider for lookup in report.failed] == ["acme"]
    # And hooli is asked anew while the vendors not asked keep their entries
    retrieved = {lookup.provider: lookup.retrieved_at for lookup in snapshot.lookups}
    assert retrieved == {vendor: later if vendor == "hooli" else NOW for vendor in VENDORS}
    assert snapshot.generated_at == later


def test_nothing_is_written_when_every_lookup_fails(
    api: tuple[GleifApi, str], tmp_path: Path
) -> None:
    _, base = api
    target = tmp_path / "gleif.json"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(ServiceError, match="no GLEIF lookup succeeded"):
        update_gleif(_catalogue(), tmp_path, source=base, providers=("soylent",),
                     client=_client(base, []), now=lambda: NOW)  # fmt: skip
    assert target.read_text(encoding="utf-8") == "previous"
    with pytest.raises(InputError, match="not in the catalogue: nobody"):
        update_gleif(_catalogue(), tmp_path, source=base, providers=("nobody",))


def test_an_oversized_answer_is_refused(api: tuple[GleifApi, str]) -> None:
    _, base = api
    client = _client(base, [], max_bytes=1000)
    with pytest.raises(ServiceError, match="larger than 1000 bytes"):
        client.get("/lei-records", {NAME_FILTER: "Acme Cloud GmbH", "page[size]": "50"})
    client.close()


def test_a_refused_connection_is_retried_then_reported(tmp_path: Path) -> None:
    # A loopback port nothing listens on: bind one, close it, ask it
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = GleifClient(f"http://127.0.0.1:{port}/api/v1", sleep=sleeps.append)
    with pytest.raises(ServiceError, match="ConnectError"):
        client.get("/lei-records/9999000TESTACME00178/ultimate-parent")
    client.close()
    assert sleeps == [1.0, 2.0, 4.0]
