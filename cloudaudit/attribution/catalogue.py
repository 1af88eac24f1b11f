"""The provider catalogue: reviewed, human-edited knowledge of providers, their feeds and names.

The catalogue lives in ``data/provider_ranges/catalogue.toml`` (shipped in the wheel as
``cloudaudit/_data/provider_ranges``). It is data, reviewed like code: every platform fact
("Vercel runs on AWS") carries its public source and the date it was last verified.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from cloudaudit.attribution.feeds import FeedFormat
from cloudaudit.attribution.models import LayerRole, ProviderKind, ProviderSummary
from cloudaudit.attribution.paths import data_dir
from cloudaudit.errors import CatalogueError
from cloudaudit.model import Model

CATALOGUE_FILE = "catalogue.toml"
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
    CNAME = "cname"  # a name anywhere on a CNAME chain (and the queried name itself)
    NS = "ns"
    MX = "mx"
    SPF = "spf"  # an SPF include/redirect domain


class NamePattern(Model):
    kind: PatternKind
    regex: str = Field(description="Python regex on the lower-case name without trailing dot.")
    role: LayerRole | None = None
    service: str | None = None
    example: str = Field(description="A real name this pattern must match (tested).")

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
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kinds: tuple[ProviderKind, ...]
    headquarters: str = Field(pattern=r"^[A-Z]{2}$")
    jurisdiction: str = Field(description="'US', 'EU' or an ISO country code.")
    cloud_act: bool
    default_role: LayerRole = LayerRole.INFRASTRUCTURE
    asns: tuple[int, ...] = ()
    feeds: tuple[Feed, ...] = ()
    patterns: tuple[NamePattern, ...] = ()
    runs_on: tuple[PlatformFact, ...] = ()
    control_plane_region: str | None = None
    notes: str | None = None

    def summary(self) -> ProviderSummary:
        return ProviderSummary(
            id=self.id,
            name=self.name,
            kinds=self.kinds,
            headquarters=self.headquarters,
            jurisdiction=self.jurisdiction,
            cloud_act=self.cloud_act,
            runs_on=tuple(fact.provider for fact in self.runs_on),
            control_plane_region=self.control_plane_region,
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


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Read and validate the catalogue; raises CatalogueError naming the provider and field."""
    path = path or data_dir() / CATALOGUE_FILE
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read catalogue: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    try:
        catalogue = Catalogue.model_validate({"providers": raw.get("provider", [])})
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        raise CatalogueError(f"{path}: {location}: {first['msg']}") from exc
    _check_references(catalogue, path)
    return catalogue


def _check_references(catalogue: Catalogue, path: Path) -> None:
    seen: set[str] = set()
    for provider in catalogue.providers:
        if provider.id in seen:
            raise CatalogueError(f"{path}: provider {provider.id!r} is defined twice")
        seen.add(provider.id)
    feed_ids = [feed.id for _, feed in catalogue.feeds()]
    if len(feed_ids) != len(set(feed_ids)):
        raise CatalogueError(f"{path}: feed ids are not unique")
    for provider in catalogue.providers:
        for fact in provider.runs_on:
            if fact.provider not in seen:
                raise CatalogueError(
                    f"{path}: {provider.id}.runs_on names unknown provider {fact.provider!r}"
                )


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
