"""The DORA register of information, in the layout of the EBA DORA reporting templates.

Builds, from the register entries (:mod:`cloudaudit.report.register`), the templates this tool
can fill: B_05.01 (ICT third-party service providers), B_05.02 (ICT service supply chains),
B_02.02 (contractual arrangements, specific information) and B_07.01 (assessment of the ICT
services), with the column codes and ``eba_*`` code values of Annex I to Commission
Implementing Regulation (EU) 2024/2956 as the EBA DPM 4.0 encodes them (docs/dora.md).

Every value carries a status and the evidence behind it. A provider is named by the entity
the catalogue records EU customers contract with (often an EU subsidiary), else by its legal
name. Its LEI and ultimate parent come from the catalogue where a maintainer recorded them with
a public source, else from the GLEIF snapshot of ``cloudaudit catalogue gleif-update``
(:mod:`cloudaudit.attribution.gleif`) for that same name, never for another entity of the
group; where both give one and they differ, the catalogue's is kept and the evidence says so. What
neither DNS, the catalogue nor GLEIF shows (contract references, other LEIs, dates, costs,
exit plans) is left empty and marked missing, for the user to fill: a register is filed by
the financial entity, and a guessed identifier is worse than none.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cloudaudit.attribution.gleif import (
    GleifLookup,
    GleifSnapshot,
    LeiRecord,
    LookupStatus,
    ParentLookup,
    ParentStatus,
)
from cloudaudit.attribution.models import (
    EndpointAttribution,
    LayerRole,
    LegalEntity,
    ProviderKind,
    ProviderSummary,
    UltimateParent,
)
from cloudaudit.report.register import RegisterEntry, register_entries
from cloudaudit.report.schema import AuditReport

#: The template layout followed (docs/dora.md says where each code comes from).
TEMPLATE_VERSION = "ITS (EU) 2024/2956 Annex I; EBA DPM 4.0 DORA module"


class ValueStatus(StrEnum):
    EVIDENCE = "evidence"  # shown by DNS evidence or a reviewed catalogue fact
    INFERRED = "inferred"  # derived from evidence by a stated rule; confirm before filing
    MISSING = "missing"  # DNS cannot show it: the user fills it
    NOT_APPLICABLE = "not_applicable"  # the template's instructions leave it empty here


@dataclass(frozen=True, slots=True)
class DoraValue:
    value: str
    status: ValueStatus
    evidence: str = ""


@dataclass(frozen=True, slots=True)
class DoraRow:
    subject: str  # what the row is about, e.g. "Website / Netlify" (not a template column)
    values: tuple[DoraValue, ...]


@dataclass(frozen=True, slots=True)
class DoraTable:
    code: str  # "B_05.01"
    title: str
    columns: tuple[tuple[str, str], ...]  # (column code, column name)
    rows: tuple[DoraRow, ...]

    @property
    def file_name(self) -> str:
        """The EBA xBRL-CSV name of the table's file, e.g. ``b_05.01.csv``."""
        return f"{self.code.lower()}.csv"


@dataclass(frozen=True, slots=True)
class DoraRegister:
    organisation: str
    template_version: str
    tables: tuple[DoraTable, ...]


def _have(value: str, evidence: str) -> DoraValue:
    return DoraValue(value, ValueStatus.EVIDENCE, evidence)


def _guess(value: str, evidence: str) -> DoraValue:
    return DoraValue(value, ValueStatus.INFERRED, evidence)


def _missing(evidence: str = "") -> DoraValue:
    return DoraValue("", ValueStatus.MISSING, evidence)


def _not_applicable(evidence: str) -> DoraValue:
    return DoraValue("", ValueStatus.NOT_APPLICABLE, evidence)


# Code values (EBA DPM 4.0 DORA module).
LEI_CODE = "eba_qCO:qx2000"  # type of code: LEI (qx2002 would be EUID)
LEGAL_PERSON = "eba_CT:x212"
YES = "eba_BT:x28"
EASILY_SUBSTITUTABLE = "eba_ZZ:x962"
FULL_RELIANCE = "eba_ZZ:x797"
IMPACT = {"critical": "eba_ZZ:x793", "high": "eba_ZZ:x793", "medium": "eba_ZZ:x792",
          "low": "eba_ZZ:x791"}  # fmt: skip
SERVICE_TYPES = {
    "S04": "ICT security management services",
    "S07": "ICT, facilities and hosting services (excluding Cloud services)",
    "S11": "Network infrastructure",
    "S17": "Cloud services: IaaS",
    "S18": "Cloud services: PaaS",
    "S19": "Cloud services: SaaS",
}


def country_code(country: str) -> str:
    """An ISO 3166 alpha-2 country as the templates' country code value."""
    return f"eba_GA:{country}"


def service_type(summary: ProviderSummary | None, role: LayerRole | None) -> DoraValue:
    """Annex III type of ICT service, from the provider's layer role and catalogue kinds."""
    kinds = set(summary.kinds) if summary else set()
    if role is LayerRole.SAAS or (role is None and kinds & {ProviderKind.SAAS, ProviderKind.MAIL}):
        code = "S19"
    elif role is LayerRole.PLATFORM or (role is None and ProviderKind.PAAS in kinds):
        code = "S18"
    elif ProviderKind.CERTIFICATE in kinds or (
        role is LayerRole.EDGE and ProviderKind.SECURITY in kinds
    ):
        code = "S04"
    elif role is LayerRole.EDGE or (role is None and kinds & {ProviderKind.CDN, ProviderKind.DNS}):
        code = "S11"
    elif ProviderKind.CLOUD in kinds:
        code = "S17"
    elif ProviderKind.HOSTING in kinds:
        code = "S07"
    else:
        return _missing("no catalogue kind maps to an Annex III service type")
    seen = f"layer role {role.value}; " if role else ""
    kind_text = ", ".join(k.value for k in summary.kinds) if summary else "none"
    return _guess(f"eba_TA:{code}", f"{SERVICE_TYPES[code]}: {seen}catalogue kinds {kind_text}")


def _layers_text(endpoint: EndpointAttribution) -> str:
    return " → ".join(f"{layer.provider} ({layer.role.value})" for layer in endpoint.layers)


def _outermost_role(entry: RegisterEntry) -> LayerRole | None:
    for endpoint in entry.endpoints:
        for layer in endpoint.layers:
            if layer.provider == entry.provider:
                return layer.role
    return None


def _is_direct(entry: RegisterEntry) -> bool:
    """The organisation deals with the provider itself: it is the outermost layer somewhere,
    or a record names it directly (DKIM, verification token, CAA)."""
    if entry.alternatives is None:
        return True
    return any(e.layers[0].provider == entry.provider for e in entry.endpoints)


class _Builder:
    def __init__(self, report: AuditReport, gleif: GleifSnapshot | None = None) -> None:
        self.report = report
        self.providers = report.attribution.providers
        self.organisation = report.evidence.inventory.organisation
        self.gleif = gleif

    def gleif_lookup(self, provider: str) -> GleifLookup | None:
        """The GLEIF snapshot's answer for the entity the register names for ``provider``."""
        if self.gleif is None or provider not in self.providers:
            return None
        return self.gleif.find(provider, self.name(provider))

    def name(self, provider: str) -> str:
        """The provider's legal name: its catalogued contracting entity's, else its own."""
        summary = self.providers.get(provider)
        if summary is None:
            return provider
        if summary.contracting_entity:
            return summary.contracting_entity.legal_name
        return summary.legal_name or summary.name

    def code(self, provider: str, code_column: str) -> tuple[DoraValue, DoraValue]:
        """The provider's identification code and its type (the column after the code)."""
        summary = self.providers.get(provider)
        entity = summary.contracting_entity if summary else None
        lookup = self.gleif_lookup(provider)
        found = lookup.usable if lookup else None
        if entity is not None and entity.lei is not None:
            catalogued = (
                f"catalogue contracting_entity of {provider}: LEI of {entity.legal_name}"
                f" ({entity.role}), {entity.source}, verified {entity.verified.isoformat()}"
            )
            return (
                _have(entity.lei, catalogued + _gleif_check(entity.lei, found, lookup)),
                _have(LEI_CODE, f"the code in {code_column} is an LEI"),
            )
        if found is not None and lookup is not None:
            return (
                _have(found.lei, _gleif_evidence(found, lookup)),
                _have(LEI_CODE, f"the code in {code_column} is an LEI"),
            )
        if entity is not None:
            # The catalogue names the contracting entity but not its LEI: GLEIF is asked for
            # that entity, never for the vendor's parent company in its place.
            why = (
                f"LEI (or EUID) of {entity.legal_name} ({entity.country}), the"
                f" {entity.role} named by {entity.source}: not in the catalogue"
            )
        else:
            why = (
                f"LEI (or EUID) of the entity you contract with ({self.name(provider)} or,"
                " for a large provider, often its EU subsidiary): not in the catalogue"
            )
        return (
            _missing(why + self.gleif_missing(lookup)),
            _missing(f"type of the code in {code_column}"),
        )

    def gleif_missing(self, lookup: GleifLookup | None) -> str:
        """What GLEIF said of a name it gave no LEI for, or how to ask it."""
        if self.gleif is None:
            return "; `cloudaudit catalogue gleif-update` looks it up in GLEIF"
        if lookup is None:
            return (
                "; not in the GLEIF snapshot: run `cloudaudit catalogue gleif-update` to look"
                " this name up"
            )
        text = f"; GLEIF, retrieved {_day(lookup.retrieved_at)}: {lookup.reason}"
        if lookup.candidates:
            text += ": " + ", ".join(
                f"{record.lei} ({record.country}) {record.page}" for record in lookup.candidates
            )
        return text

    def parent(self, provider: str) -> tuple[DoraValue, DoraValue]:
        """B_05.01 c0110 and c0120: the ultimate parent's LEI and its type."""
        summary = self.providers.get(provider)
        parent = summary.ultimate_parent if summary else None
        lookup = self.gleif_lookup(provider)
        answer = lookup.ultimate_parent if lookup and lookup.usable else None
        found = answer.parent if answer and answer.status is ParentStatus.FOUND else None
        if parent is not None:
            evidence = _parent_evidence(provider, parent)
            if found is not None and answer is not None:
                evidence += _gleif_parent_check(parent.lei, found, answer)
            return (_have(parent.lei, evidence), _have(LEI_CODE, "the code in c0110 is an LEI"))
        if found is not None and answer is not None and lookup is not None:
            return (
                _have(
                    found.lei,
                    f"GLEIF ultimate parent of {lookup.name}: {found.legal_name}"
                    f" ({found.country}), {found.page}, retrieved {_day(answer.retrieved_at)},"
                    f" GLEIF record last updated {found.last_update[:10]}",
                ),
                _have(LEI_CODE, "the code in c0110 is an LEI"),
            )
        why = f"ultimate parent of {self.name(provider)}: not in the catalogue"
        if answer is not None:
            when = f"; GLEIF, retrieved {_day(answer.retrieved_at)}"
            if answer.status is ParentStatus.REPORTING_EXCEPTION:
                why += f"{when}: no parent reported, reporting exception {answer.exception_reason}"
            elif answer.status is ParentStatus.NONE:
                why += f"{when}: neither an ultimate parent nor a reporting exception on record"
            else:
                why += f"{when}: {answer.error}"
        elif lookup is None or lookup.usable is None:
            why += self.gleif_missing(lookup)
        return _missing(why), _missing("type of the code in c0110")

    # B_05.01 ------------------------------------------------------------------------------
    def provider_row(self, provider: str) -> DoraRow:
        summary = self.providers.get(provider)
        entity = summary.contracting_entity if summary else None
        if summary and (entity or summary.legal_name):
            name = self.name(provider)
            legal = _have(
                name,
                _entity_evidence(provider, entity)
                if entity
                else f"catalogue legal_name of {provider}",
            )
            latin = (
                _have(name, "the legal name is written in Latin script")
                if _latin(name)
                else _missing("the legal name is not in Latin script: transliterate it")
            )
        elif summary:
            legal = _guess(summary.name, f"brand name of {provider}; no legal name in this report")
            latin = _guess(summary.name, f"brand name of {provider}")
        else:
            legal = latin = _missing(f"{provider} is not in this report's provider list")
        if entity:
            seat = _have(country_code(entity.country), _entity_evidence(provider, entity))
        elif summary:
            seat = _have(
                country_code(summary.headquarters), f"catalogue headquarters of {provider}"
            )
        else:
            seat = _missing()
        return DoraRow(
            subject=self.name(provider),
            values=(
                *self.code(provider, "c0010"),
                _missing("optional second identifier"),
                _missing("type of the code in c0030"),
                legal,
                latin,
                _guess(LEGAL_PERSON, "catalogue vendors are companies") if summary else _missing(),
                seat,
                _missing("currency of c0100: from the contracts"),
                _missing("annual expense: from the contracts"),
                *self.parent(provider),
            ),
        )

    # B_05.02 ------------------------------------------------------------------------------
    def chain_rows(self, entry: RegisterEntry) -> list[DoraRow]:
        """Rank 1: the direct provider; rank n+1: what rank n runs on, seen in the provider
        stack of an endpoint (evidence) or stated by a catalogue platform fact (inferred)."""
        kind = service_type(self.providers.get(entry.provider), _outermost_role(entry))
        contract = _missing(f"reference of the contract with {self.name(entry.provider)}")
        found: dict[tuple[int, str, str], DoraValue] = {}
        for endpoint in entry.endpoints:
            stack = [layer.provider for layer in endpoint.layers]
            if stack[0] != entry.provider:
                continue
            for index in range(1, len(stack)):
                if stack[index] != stack[index - 1]:
                    key = (index + 1, stack[index], stack[index - 1])
                    found.setdefault(key, _have(str(index + 1), _layers_text(endpoint)))
        pending = [(1, entry.provider)] + [(rank, below) for rank, below, _ in found]
        while pending:
            rank, provider = pending.pop(0)
            summary = self.providers.get(provider)
            for infrastructure in summary.runs_on if summary else ():
                if any(k[1] == infrastructure and k[2] == provider for k in found):
                    continue
                found[(rank + 1, infrastructure, provider)] = _guess(
                    str(rank + 1), f"catalogue platform fact: {provider} runs on {infrastructure}"
                )
                pending.append((rank + 1, infrastructure))
        subject = f"{entry.service} / {self.name(entry.provider)}"
        rows = [
            DoraRow(
                subject=f"{subject}: rank 1 {self.name(entry.provider)}",
                values=(
                    contract,
                    kind,
                    *self.code(entry.provider, "c0030"),
                    _have("1", "the organisation's own records name it")
                    if entry.alternatives is None
                    else _have("1", "; ".join(_layers_text(e) for e in entry.endpoints)),
                    _not_applicable("rank 1: the financial entity receives the service"),
                    _not_applicable("rank 1"),
                ),
            )
        ]
        for (_, provider, recipient), rank_value in sorted(found.items()):
            rows.append(
                DoraRow(
                    subject=f"{subject}: rank {rank_value.value} {self.name(provider)}",
                    values=(
                        contract,
                        kind,
                        *self.code(provider, "c0030"),
                        rank_value,
                        *self.code(recipient, "c0060"),
                    ),
                )
            )
        return rows

    # B_02.02 ------------------------------------------------------------------------------
    def arrangement_rows(self, entry: RegisterEntry) -> list[DoraRow]:
        kind = service_type(self.providers.get(entry.provider), _outermost_role(entry))
        located = _locations(entry)
        subject = f"{entry.service} / {self.name(entry.provider)}"
        reliance = (
            _guess(FULL_RELIANCE, f"every endpoint of {entry.service} depends on it")
            if entry.alternatives is not None and entry.alone
            else _missing("level of reliance: an alternative is in use or none was assessed")
        )
        rows = []
        unlocated: list[tuple[str | None, str]] = [(None, "")]
        for country, where in located or unlocated:
            if country:
                provision = _have(country_code(country), where)
                stored = _guess(country_code(country), f"stored where it is hosted: {where}")
                processed = _have(country_code(country), where)
            else:
                why = (
                    "the organisation's records name the vendor, not where it serves from"
                    if entry.alternatives is None
                    else "anycast, global or regionless addresses: location indeterminate"
                )
                provision = stored = processed = _missing(why)
            rows.append(
                DoraRow(
                    subject=f"{subject}{': ' + country if country else ''}",
                    values=(
                        _missing(f"reference of the contract with {self.name(entry.provider)}"),
                        _missing(f"LEI of {self.organisation}"),
                        *self.code(entry.provider, "c0030"),
                        _missing(f"B_06.01 identifier of the function {entry.service} supports"),
                        kind,
                        _missing("contract start date"),
                        _missing("contract end date"),
                        _missing("only for a terminated arrangement"),
                        _missing("notice period from the contract"),
                        _missing("notice period from the contract"),
                        _missing("governing law from the contract"),
                        provision,
                        _missing("whether the provider stores data: from the contract"),
                        stored,
                        processed,
                        _missing("sensitiveness of the data: the entity's assessment"),
                        reliance,
                    ),
                )
            )
        return rows

    # B_07.01 ------------------------------------------------------------------------------
    def assessment_row(self, entry: RegisterEntry) -> DoraRow:
        kind = service_type(self.providers.get(entry.provider), _outermost_role(entry))
        if entry.alternatives:
            others = ", ".join(self.name(p) for p in entry.alternatives)
            substitutable = _guess(
                EASILY_SUBSTITUTABLE, f"other endpoints of {entry.service} already run on {others}"
            )
            identified = _have(YES, f"in use for {entry.service}: {others}")
            alternatives = _have(others, f"providers of other endpoints of {entry.service}")
        elif entry.alternatives is None:
            substitutable = _missing("not assessed: the vendor is shown by records only")
            identified = alternatives = _missing("no alternative in use shown by DNS")
        else:
            substitutable = _missing("no alternative in use: every endpoint depends on it")
            identified = alternatives = _missing("no alternative in use shown by DNS")
        impact = (
            _guess(IMPACT[entry.criticality], f"inventory criticality {entry.criticality}")
            if entry.criticality in IMPACT
            else _missing("no criticality in the inventory")
        )
        return DoraRow(
            subject=f"{entry.service} / {self.name(entry.provider)}",
            values=(
                _missing(f"reference of the contract with {self.name(entry.provider)}"),
                *self.code(entry.provider, "c0020"),
                kind,
                substitutable,
                _missing("required when not or hardly substitutable: the entity's assessment"),
                _missing("date of the last audit"),
                _missing("whether an exit plan exists"),
                _missing("possibility of reintegration: the entity's assessment"),
                impact,
                identified,
                alternatives,
            ),
        )


def _day(moment: datetime) -> str:
    return moment.date().isoformat()


def _gleif_evidence(record: LeiRecord, lookup: GleifLookup) -> str:
    text = (
        f"GLEIF LEI record of {record.legal_name} ({record.country}, {record.registration_status}),"
        f" {record.page}, retrieved {_day(lookup.retrieved_at)},"
        f" GLEIF record last updated {record.last_update[:10]}"
    )
    if lookup.status is LookupStatus.KEPT_PREVIOUS:
        text += "; kept from an earlier gleif-update, the last one failed"
    return text


def _gleif_check(lei: str, found: LeiRecord | None, lookup: GleifLookup | None) -> str:
    """A catalogued LEI compared with GLEIF's record of the same name."""
    if found is None or lookup is None:
        return ""
    when = f"retrieved {_day(lookup.retrieved_at)}"
    if found.lei == lei:
        return f"; GLEIF agrees, {found.page}, {when}"
    return (
        f"; GLEIF disagrees: its record of this name is {found.lei}, {found.page}, {when};"
        " the catalogue's LEI is kept: check which entity your contract names"
    )


def _gleif_parent_check(lei: str, found: LeiRecord, answer: ParentLookup) -> str:
    when = f"retrieved {_day(answer.retrieved_at)}"
    if found.lei == lei:
        return f"; GLEIF agrees, {found.page}, {when}"
    return (
        f"; GLEIF disagrees: it names {found.legal_name}, {found.lei}, {found.page}, {when};"
        " the catalogue's LEI is kept: check it"
    )


def _entity_evidence(provider: str, entity: LegalEntity) -> str:
    """Where the catalogue's contracting entity of ``provider`` is named, and in which role."""
    return (
        f"catalogue contracting_entity of {provider}: {entity.legal_name} ({entity.country}),"
        f" {entity.role}, {entity.source}, verified {entity.verified.isoformat()}"
    )


def _parent_evidence(provider: str, parent: UltimateParent) -> str:
    text = f"catalogue ultimate_parent of {provider}: LEI of {parent.legal_name}, {parent.source}"
    if parent.ownership_source:
        text += f"; group membership {parent.ownership_source}"
    return f"{text}; verified {parent.verified.isoformat()}"


def _latin(text: str) -> bool:
    return all(not ch.isalpha() or "LATIN" in unicodedata.name(ch, "") for ch in text)


def _locations(entry: RegisterEntry) -> list[tuple[str | None, str]]:
    """(country, evidence) for every data-location country of the provider's layers."""
    where: dict[str, list[str]] = {}
    for endpoint in entry.endpoints:
        for layer in endpoint.layers:
            if layer.provider == entry.provider and layer.country:
                region = f" region {layer.region}" if layer.region else ""
                where.setdefault(layer.country, []).append(
                    f"{endpoint.subject}: {layer.provider}{region} ({layer.country})"
                )
    return [(country, "; ".join(sorted(set(texts)))) for country, texts in sorted(where.items())]


def _unique(providers: Iterable[str]) -> list[str]:
    return sorted(set(providers))


B_05_01 = ("B_05.01", "ICT third-party service providers", (
    ("c0010", "Identification code of ICT third-party service provider"),
    ("c0020", "Type of code to identify the ICT third-party service provider"),
    ("c0030", "Additional identification code of ICT third-party service provider"),
    ("c0040", "Type of additional identification code to identify the ICT third-party service"
              " provider"),
    ("c0050", "Legal name of the ICT third-party service provider"),
    ("c0060", "Name of the ICT third-party service provider in Latin alphabet"),
    ("c0070", "Type of person of the ICT third-party service provider"),
    ("c0080", "Country of the ICT third-party service provider's headquarters"),
    ("c0090", "Currency of the amount reported in B_05.01.0100"),
    ("c0100", "Total annual expense or estimated cost of the ICT third-party service provider"),
    ("c0110", "Identification code of the ICT third-party service provider's ultimate parent"
              " undertaking"),
    ("c0120", "Type of code to identify the ICT third-party service provider's ultimate parent"
              " undertaking"),
))  # fmt: skip
B_05_02 = ("B_05.02", "ICT service supply chains", (
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "Type of ICT services"),
    ("c0030", "Identification code of the ICT third-party service provider"),
    ("c0040", "Type of code to identify the ICT third-party service provider"),
    ("c0050", "Rank"),
    ("c0060", "Identification code of the recipient of sub-contracted ICT services"),
    ("c0070", "Type of code to identify the recipient of sub-contracted ICT services"),
))  # fmt: skip
B_02_02 = ("B_02.02", "Contractual arrangements – specific information", (
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "LEI of the entity making use of the ICT service(s)"),
    ("c0030", "Identification code of the ICT third-party service provider"),
    ("c0040", "Type of code to identify the ICT third-party service provider"),
    ("c0050", "Function identifier"),
    ("c0060", "Type of ICT services"),
    ("c0070", "Start date of the contractual arrangement"),
    ("c0080", "End date of the contractual arrangement"),
    ("c0090", "Reason of the termination or ending of the contractual arrangement"),
    ("c0100", "Notice period for the financial entity making use of the ICT service(s)"),
    ("c0110", "Notice period for the ICT third-party service provider"),
    ("c0120", "Country of the governing law of the contractual arrangement"),
    ("c0130", "Country of provision of the ICT services"),
    ("c0140", "Storage of data"),
    ("c0150", "Location of the data at rest (storage)"),
    ("c0160", "Location of management of the data (processing)"),
    ("c0170", "Sensitiveness of the data stored by the ICT third-party service provider"),
    ("c0180", "Level of reliance on the ICT service supporting the critical or important"
              " function"),
))  # fmt: skip
B_07_01 = ("B_07.01", "Assessment of the ICT services", (
    ("c0010", "Contractual arrangement reference number"),
    ("c0020", "Identification code of the ICT third-party service provider"),
    ("c0030", "Type of code to identify the ICT third-party service provider"),
    ("c0040", "Type of ICT services"),
    ("c0050", "Substitutability of the ICT third-party service provider"),
    ("c0060", "Reason if the ICT third-party service provider is considered not substitutable"
              " or difficult to be substitutable"),
    ("c0070", "Date of the last audit on the ICT third-party service provider"),
    ("c0080", "Existence of an exit plan"),
    ("c0090", "Possibility of reintegration of the contracted ICT service"),
    ("c0100", "Impact of discontinuing the ICT services"),
    ("c0110", "Are there alternative ICT third-party service providers identified?"),
    ("c0120", "Identification of alternative ICT TPP"),
))  # fmt: skip


def dora_register(report: AuditReport, gleif: GleifSnapshot | None = None) -> DoraRegister:
    """The register of ``report``; ``gleif`` (a ``gleif-update`` snapshot) fills providers'
    LEIs and ultimate parents the catalogue does not record."""
    builder = _Builder(report, gleif)
    direct = [entry for entry in register_entries(report) if _is_direct(entry)]
    chains = [row for entry in direct for row in builder.chain_rows(entry)]
    in_chains = [entry.provider for entry in direct] + [
        provider
        for entry in direct
        for endpoint in entry.endpoints
        for provider in (layer.provider for layer in endpoint.layers)
    ]
    # Catalogue platform facts add providers no endpoint shows (rank 2 inferred).
    for entry in direct:
        pending = [entry.provider]
        while pending:
            summary = report.attribution.providers.get(pending.pop())
            for below in summary.runs_on if summary else ():
                if below not in in_chains:
                    in_chains.append(below)
                    pending.append(below)
    tables = (
        DoraTable(*B_05_01[:2], B_05_01[2], tuple(map(builder.provider_row, _unique(in_chains)))),
        DoraTable(*B_05_02[:2], B_05_02[2], tuple(chains)),
        DoraTable(
            *B_02_02[:2],
            B_02_02[2],
            tuple(row for entry in direct for row in builder.arrangement_rows(entry)),
        ),
        DoraTable(*B_07_01[:2], B_07_01[2], tuple(map(builder.assessment_row, direct))),
    )
    return DoraRegister(
        organisation=builder.organisation, template_version=TEMPLATE_VERSION, tables=tables
    )
