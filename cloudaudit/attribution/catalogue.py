"""The provider catalogue: reviewed, human-edited knowledge of vendors, their feeds and names.

The catalogue is a directory, ``data/provider_ranges/catalogue/``, of one small TOML file per
vendor named after its id (shipped in the wheel as ``cloudaudit/_data/provider_ranges``), so a
contributor adds a vendor without touching the others. It is data, reviewed like code: every
name pattern cites the vendor's own documentation and every platform fact ("Vercel runs on
AWS") its public source, each with the date a maintainer last verified it.
``catalogue.schema.json`` beside it is the JSON Schema of one file, for editors and review.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from cloudaudit.attribution.feeds import FeedFormat
from cloudaudit.attribution.models import (
    DependencyKind,
    LayerRole,
    LegalEntity,
    ProviderKind,
    ProviderSummary,
    TakeoverStatus,
    UltimateParent,
)
from cloudaudit.attribution.paths import data_dir
from cloudaudit.errors import CatalogueError
from cloudaudit.model import Model

CATALOGUE_DIR = "catalogue"
SCHEMA_FILE = "catalogue.schema.json"
REGIONS_FILE = "regions.toml"


class Feed(Model):
    id: str = Field(description="Unique feed id, e.g. 'aws' or 'hetzner-as24940'.")
    url: str = Field(description="Official URL the updater downloads.")
    format: FeedFormat
    mirror_path: str = Field(
        description="Path below a --source DIR or BASE-URL mirror; may hold one '*' glob."
    )
    asn: int | None = None
    role: LayerRole | None = Field(
        default=None, description="Override the provider's default layer role for this feed."
    )


class PatternKind(StrEnum):
    """What a pattern is matched against."""

    CNAME = "cname"  # a name anywhere on a CNAME chain (and the queried name itself)
    NS = "ns"
    MX = "mx"
    SPF = "spf"  # an SPF include/redirect domain
    TXT = "txt"  # a domain-verification TXT string at the apex, e.g. 'stripe-verification=...'
    REPORT = "report"  # the domain of a DMARC (rua/ruf) or TLS-RPT report address
    CAA = "caa"  # the issuer domain a CAA issue/issuewild property names, e.g. 'letsencrypt.org'


class TakeoverFact(Model):
    """What happens to a dangling record at a vendor, with its public source."""

    status: TakeoverStatus
    fingerprint: str | None = Field(
        default=None,
        description="How a deprovisioned resource answers: 'NXDOMAIN', or its HTTP body text.",
    )
    source: str = Field(pattern=r"^https://", description="Where this is documented.")
    verified: date


class NamePattern(Model):
    kind: PatternKind
    regex: str = Field(description="Python regex on the lower-case name without trailing dot.")
    role: LayerRole | None = None
    service: str | None = None
    dependency: DependencyKind | None = Field(
        default=None,
        description="What a non-traffic record matching this shows, e.g. certificate for DCV.",
    )
    example: str = Field(description="A name or value this pattern must match (tested).")
    source: str = Field(
        pattern=r"^https://", description="The vendor's own documentation of this name form."
    )
    verified: date = Field(description="When a maintainer last checked the source.")
    takeover: TakeoverFact | None = Field(
        default=None, description="For a CNAME target: can a dangling record be claimed?"
    )

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regex: {exc}") from exc
        return value

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.regex)


class PlatformFact(Model):
    """'Provider X runs on infrastructure Y', with its public source."""

    provider: str = Field(description="Infrastructure provider id.")
    source: str = Field(description="URL of the public statement.")
    verified: date = Field(description="When a maintainer last checked the source.")
    regions: tuple[str, ...] = ()


class Provider(Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Also the file's name.")
    name: str = Field(description="The brand a report shows.")
    legal_name: str = Field(
        description="The vendor company's registered name; EU customers contract with it unless"
        " contracting_entity names another."
    )
    kinds: tuple[ProviderKind, ...]
    headquarters: str = Field(pattern=r"^[A-Z]{2}$")
    jurisdiction: str = Field(description="'US', 'EU' or an ISO country code.")
    cloud_act: bool
    default_role: LayerRole = LayerRole.INFRASTRUCTURE
    asns: tuple[int, ...] = ()
    feeds: tuple[Feed, ...] = ()
    patterns: tuple[NamePattern, ...] = ()
    runs_on: tuple[PlatformFact, ...] = ()
    infrastructure_unpublished: bool = Field(
        default=False,
        description="A platform whose underlying infrastructure no public source states.",
    )
    control_plane_region: str | None = None
    zone_takeover: TakeoverFact | None = Field(
        default=None,
        description="For a DNS operator: can anyone create a zone delegated to it but missing?",
    )
    contracting_entity: LegalEntity | None = Field(
        default=None,
        description="The entity EU customers contract with (often an EU subsidiary), with its"
        " LEI where a public page shows it.",
    )
    ultimate_parent: UltimateParent | None = Field(
        default=None, description="The ultimate parent undertaking of the vendor's group, by LEI."
    )
    notes: str | None = None

    def summary(self) -> ProviderSummary:
        return ProviderSummary(
            id=self.id,
            name=self.name,
            legal_name=self.legal_name,
            kinds=self.kinds,
            headquarters=self.headquarters,
            jurisdiction=self.jurisdiction,
            cloud_act=self.cloud_act,
            runs_on=tuple(fact.provider for fact in self.runs_on),
            control_plane_region=self.control_plane_region,
            contracting_entity=self.contracting_entity,
            ultimate_parent=self.ultimate_parent,
        )


class Catalogue(Model):
    providers: tuple[Provider, ...]

    @cached_property
    def by_id(self) -> dict[str, Provider]:
        return {provider.id: provider for provider in self.providers}

    @cached_property
    def by_asn(self) -> dict[int, Provider]:
        return {asn: provider for provider in self.providers for asn in provider.asns}

    def feeds(self) -> list[tuple[Provider, Feed]]:
        return [(provider, feed) for provider in self.providers for feed in provider.feeds]


def load_catalogue(directory: Path | None = None) -> Catalogue:
    """Read and validate every vendor file in ``directory`` (default: the bundled catalogue).

    Raises CatalogueError naming the file and the field at fault.
    """
    directory = directory or data_dir() / CATALOGUE_DIR
    try:
        paths = sorted(directory.glob("*.toml"))
    except OSError as exc:
        raise CatalogueError(f"{directory}: cannot read catalogue: {exc.strerror}") from exc
    if not paths:
        raise CatalogueError(f"{directory}: no vendor files (*.toml) in the catalogue")
    providers = [_load_vendor(path) for path in paths]
    catalogue = Catalogue(providers=tuple(providers))
    _check_references(catalogue, directory)
    return catalogue


def _load_vendor(path: Path) -> Provider:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read vendor file: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    try:
        provider = Provider.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise CatalogueError(f"{path}: {location}: {first['msg']}") from exc
    if provider.id != path.stem:
        raise CatalogueError(f"{path}: id {provider.id!r} differs from the file name")
    return provider


def _check_references(catalogue: Catalogue, directory: Path) -> None:
    uses = Counter(feed.id for _, feed in catalogue.feeds())
    repeated = sorted(feed for feed, count in uses.items() if count > 1)
    if repeated:
        raise CatalogueError(f"{directory}: feed ids used twice: {', '.join(repeated)}")
    for provider in catalogue.providers:
        for fact in provider.runs_on:
            if fact.provider not in catalogue.by_id:
                raise CatalogueError(
                    f"{directory / provider.id}.toml: runs_on names unknown provider"
                    f" {fact.provider!r}"
                )
        if provider.runs_on and provider.infrastructure_unpublished:
            raise CatalogueError(
                f"{directory / provider.id}.toml: runs_on given, yet infrastructure_unpublished"
            )
        parent = provider.ultimate_parent
        if parent and parent.ownership_source is None and _names_outside(provider, parent):
            raise CatalogueError(
                f"{directory / provider.id}.toml: ultimate_parent.ownership_source: required,"
                f" {parent.legal_name!r} is not the vendor's own legal entity"
            )


def _names_outside(provider: Provider, parent: UltimateParent) -> bool:
    """The vendor names an entity other than the parent, so the group link needs a source."""
    named = [provider.legal_name]
    if provider.contracting_entity:
        named.append(provider.contracting_entity.legal_name)
    return any(name.casefold() != parent.legal_name.casefold() for name in named)


def catalogue_schema() -> dict[str, object]:
    """The JSON Schema one vendor file follows (``catalogue.schema.json`` is this, written)."""
    return Provider.model_json_schema()


def load_regions(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Region id → data-centre country per provider (``regions.toml``)."""
    path = path or data_dir() / REGIONS_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: cannot read region table: {exc}") from exc
    table: dict[str, dict[str, str]] = {}
    for provider, regions in raw.items():
        if not isinstance(regions, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[A-Z]{2}", v) for v in regions.values()
        ):
            raise CatalogueError(f"{path}: [{provider}] must map region ids to country codes")
        table[provider] = {str(k).lower(): str(v) for k, v in regions.items()}
    return table
