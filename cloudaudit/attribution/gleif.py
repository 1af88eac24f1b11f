"""GLEIF look-ups: catalogue vendors' LEIs and ultimate parents, from the Global LEI Index.

``cloudaudit catalogue gleif-update`` asks the GLEIF API (JSON:API, ``API_BASE``), or a mirror
laid out the same way (``--source BASE-URL``), for the LEI record of each vendor's exact legal
name and of its contracting entity's, where the catalogue names one (with or without its LEI),
and for each matched record's ultimate parent, then writes a normalised snapshot, ``gleif.json``,
giving for every answer the exact URL asked and when. The DORA register reads it to fill the
providers' codes the catalogue does not record (:mod:`cloudaudit.report.dora`).

A record counts only when its LEI is ISSUED, its entity ACTIVE and not a branch, its legal name
is the one asked (ignoring case and runs of whitespace) and its legal address is in the country
the catalogue gives: a register must name the contracting legal entity, not a namesake. Several
such records are reported as ambiguous, never chosen between. Parsing is pure (functions of the
decoded JSON); only :class:`GleifClient` does I/O, and one vendor's failure is recorded in its
entry without stopping the others. Nothing here runs unless the user asks for the update.
"""

from __future__ import annotations

import json
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import Field, ValidationError

from cloudaudit.atomic import write_file_atomically
from cloudaudit.attribution.catalogue import Catalogue
from cloudaudit.attribution.models import Lei
from cloudaudit.errors import InputError, ServiceError
from cloudaudit.model import Model
from cloudaudit.retry import retry_delay, retryable

API_BASE = "https://api.gleif.org/api/v1"
#: The public page of an LEI record, cited in the register's evidence column.
RECORD_PAGE = "https://search.gleif.org/#/record/{lei}"
SNAPSHOT_NAME = "gleif.json"
#: Records asked per name; more records of one exact name than this are not resolved.
PAGE_SIZE = 50
#: GLEIF allows 60 requests a minute; the official API is asked at most once a second.
OFFICIAL_INTERVAL = 1.0
MAX_BYTES = 2 * 1024 * 1024
MAX_ATTEMPTS = 4
BACKOFF = 1.0  # seconds before the first retry, doubling for each further one
MAX_RETRY_AFTER = 60.0
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
_JSON_API = "application/vnd.api+json"


class LookupStatus(StrEnum):
    MATCHED = "matched"  # exactly one record fits
    NO_MATCH = "no_match"  # no record fits: the vendor may have no LEI under this name
    AMBIGUOUS = "ambiguous"  # several records fit: not chosen between
    ERROR = "error"  # the API could not be asked or answered nonsense
    KEPT_PREVIOUS = "kept_previous"  # this update failed; the previous match is kept


class ParentStatus(StrEnum):
    FOUND = "found"  # GLEIF names the ultimate accounting consolidation parent
    REPORTING_EXCEPTION = "reporting_exception"  # the entity stated why it names none
    NONE = "none"  # neither a parent nor a reporting exception is on record
    ERROR = "error"


class LeiRecord(Model):
    """One GLEIF LEI record, as far as the register needs it."""

    lei: Lei
    legal_name: str
    country: str = Field(description="ISO 3166 alpha-2 of the legal address.")
    registration_status: str = Field(description="GLEIF registration status, e.g. ISSUED.")
    entity_status: str = Field(description="GLEIF entity status, e.g. ACTIVE.")
    last_update: str = Field(description="The record's own lastUpdateDate (ISO 8601).")

    @property
    def page(self) -> str:
        return RECORD_PAGE.format(lei=self.lei)


class ParentLookup(Model):
    status: ParentStatus
    url: str = Field(description="The exact API URL that gave this answer.")
    retrieved_at: datetime
    parent: LeiRecord | None = None
    exception_reason: str | None = Field(
        default=None, description="GLEIF's reason for no parent, e.g. NATURAL_PERSONS."
    )
    error: str | None = None


class GleifLookup(Model):
    """The answer for one legal name of one catalogue vendor."""

    provider: str = Field(description="Catalogue provider id.")
    subject: Literal["vendor", "contracting_entity"] = Field(
        description="Which catalogue name was asked: legal_name or contracting_entity's."
    )
    name: str = Field(description="The legal name asked.")
    country: str | None = Field(description="The legal-address country required, if any.")
    status: LookupStatus
    url: str = Field(description="The exact API URL asked.")
    retrieved_at: datetime
    record: LeiRecord | None = None
    candidates: tuple[LeiRecord, ...] = Field(
        default=(), description="With status ambiguous: every record that fits."
    )
    ultimate_parent: ParentLookup | None = None
    reason: str | None = Field(default=None, description="Why not matched, or what failed.")

    @property
    def usable(self) -> LeiRecord | None:
        """The record the register may use: one match, now or kept from before."""
        if self.status in (LookupStatus.MATCHED, LookupStatus.KEPT_PREVIOUS):
            return self.record
        return None


class GleifSnapshot(Model):
    format: Literal[1] = 1
    generated_at: datetime
    source: str = Field(description="'official' or the mirror base URL asked.")
    api: str = Field(description="The API base URL every lookup URL starts with.")
    lookups: tuple[GleifLookup, ...]

    @cached_property
    def by_name(self) -> dict[tuple[str, str], GleifLookup]:
        """(provider, normalised name asked) → its lookup."""
        return {(lookup.provider, normalise_name(lookup.name)): lookup for lookup in self.lookups}

    def find(self, provider: str, name: str) -> GleifLookup | None:
        """The lookup of ``name`` for ``provider``, if that very name was asked."""
        return self.by_name.get((provider, normalise_name(name)))


# Pure parsing ----------------------------------------------------------------------------


class GleifResponseError(ValueError):
    """A GLEIF answer is not the documented JSON:API shape; says where."""


def normalise_name(name: str) -> str:
    """A legal name for comparison: Unicode NFC, case-folded, whitespace runs as one space."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def decode(body: bytes) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GleifResponseError(f"malformed JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise GleifResponseError("expected a JSON:API document (an object)")
    return document


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            raise GleifResponseError(f"missing {'.'.join(path)}")
        data = data[key]
    return data


def _text(data: Any, *path: str) -> str:
    value = _get(data, *path)
    if not isinstance(value, str):
        raise GleifResponseError(f"{'.'.join(path)} is not a string")
    return value


def parse_record(resource: Any) -> LeiRecord:
    """An ``lei-records`` resource object (``data`` or an item of it) as a LeiRecord."""
    attributes = _get(resource, "attributes")
    try:
        return LeiRecord(
            lei=_text(attributes, "lei"),
            legal_name=_text(attributes, "entity", "legalName", "name"),
            country=_text(attributes, "entity", "legalAddress", "country"),
            registration_status=_text(attributes, "registration", "status"),
            entity_status=_text(attributes, "entity", "status"),
            last_update=_text(attributes, "registration", "lastUpdateDate"),
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise GleifResponseError(f"{first['loc'][0]}: {first['msg']}") from exc


def _category(resource: Any) -> str | None:
    try:
        value = _get(resource, "attributes", "entity", "category")
    except GleifResponseError:
        return None
    return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class SearchResult:
    matches: tuple[LeiRecord, ...]
    others: int  # records returned that do not fit (name, status, branch or country)
    total: int  # records the API says exist for the query


def parse_search(document: dict[str, Any], name: str, country: str | None) -> SearchResult:
    """The records of a ``lei-records`` search that fit ``name`` and ``country``."""
    data = _get(document, "data")
    if not isinstance(data, list):
        raise GleifResponseError("data is not a list")
    wanted = normalise_name(name)
    matches = []
    for resource in data:
        record = parse_record(resource)
        if (
            normalise_name(record.legal_name) == wanted
            and record.registration_status == "ISSUED"
            and record.entity_status == "ACTIVE"
            and _category(resource) != "BRANCH"
            and (country is None or record.country == country)
        ):
            matches.append(record)
    total = len(data)
    try:
        total = int(_get(document, "meta", "pagination", "total"))
    except (GleifResponseError, TypeError, ValueError):
        pass
    return SearchResult(tuple(matches), len(data) - len(matches), total)


def parse_exception_reason(document: dict[str, Any]) -> str:
    """The reason of a ``reporting-exceptions`` resource, e.g. NATURAL_PERSONS."""
    return _text(document, "data", "attributes", "reason")


def search_reason(result: SearchResult, name: str, country: str | None) -> str:
    """Why a search matched nothing, or not exactly one record, in words."""
    where = f" in {country}" if country else ""
    if len(result.matches) > 1:
        return f"{len(result.matches)} ISSUED records of an active entity named {name!r}{where}"
    if result.total:
        return (
            f"{result.total} record(s) found, none an ISSUED LEI of an active (non-branch)"
            f" entity named exactly {name!r}{where}"
        )
    return f"no LEI record named {name!r}"


# I/O -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    url: str  # the exact URL asked
    status: int  # 200 or 404
    document: dict[str, Any] | None  # None for 404


class GleifClient:
    """GET with a timeout, a response-size cap, spacing between requests and retries with
    backoff on 429, 5xx and transport errors. Raises ServiceError with the URL asked."""

    def __init__(
        self,
        base: str = API_BASE,
        *,
        client: httpx.Client | None = None,
        interval: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.base = base.rstrip("/")
        self._own = client is None
        self._http = client or httpx.Client(
            timeout=TIMEOUT, follow_redirects=False, headers={"Accept": _JSON_API}
        )
        self.interval = interval
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.max_bytes = max_bytes
        self._last = 0.0

    def close(self) -> None:
        if self._own:
            self._http.close()

    def url(self, path: str, params: dict[str, str] | None = None) -> str:
        return str(httpx.URL(f"{self.base}{path}", params=params))

    def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        url = self.url(path, params)
        for attempt in range(self.max_attempts):
            wait = self.interval - (time.monotonic() - self._last)
            if wait > 0:
                self.sleep(wait)
            self._last = time.monotonic()
            last_try = attempt == self.max_attempts - 1
            try:
                status, body, retry_after = self._fetch(url)
            except httpx.TransportError as exc:
                if last_try:
                    raise ServiceError(f"GLEIF {url}: {type(exc).__name__}: {exc}") from exc
                self.sleep(self._delay(None, attempt))
                continue
            if retryable(status):
                if last_try:
                    raise ServiceError(
                        f"GLEIF {url}: HTTP {status} after {self.max_attempts} attempts"
                    )
                self.sleep(self._delay(retry_after, attempt))
                continue
            if status == 404:
                return Answer(url, 404, None)
            if status != 200:
                raise ServiceError(f"GLEIF {url}: HTTP {status}")
            try:
                return Answer(url, 200, decode(body))
            except GleifResponseError as exc:
                raise ServiceError(f"GLEIF {url}: {exc}") from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    @staticmethod
    def _delay(retry_after: str | None, attempt: int) -> float:
        """Seconds before the try after ``attempt`` (counted from 0)."""
        return retry_delay(retry_after, attempt + 1, BACKOFF, MAX_RETRY_AFTER, datetime.now(UTC))[0]

    def _fetch(self, url: str) -> tuple[int, bytes, str | None]:
        with self._http.stream("GET", url) as response:
            if response.status_code != 200:
                return response.status_code, b"", response.headers.get("Retry-After")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise ServiceError(f"GLEIF {url}: response larger than {self.max_bytes} bytes")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise ServiceError(f"GLEIF {url}: response larger than {self.max_bytes} bytes")
                chunks.append(chunk)
            return 200, b"".join(chunks), None


@dataclass(frozen=True, slots=True)
class Query:
    provider: str
    subject: Literal["vendor", "contracting_entity"]
    name: str
    country: str | None


def queries(catalogue: Catalogue, providers: tuple[str, ...] = ()) -> list[Query]:
    """Every name to ask: each vendor's legal name in its headquarters country and, where the
    catalogue names one, its contracting entity's in that entity's country."""
    wanted: list[Query] = []
    for provider in catalogue.providers:
        if providers and provider.id not in providers:
            continue
        wanted.append(Query(provider.id, "vendor", provider.legal_name, provider.headquarters))
        entity = provider.contracting_entity
        if entity and normalise_name(entity.legal_name) != normalise_name(provider.legal_name):
            wanted.append(
                Query(provider.id, "contracting_entity", entity.legal_name, entity.country)
            )
    return wanted


def look_up(query: Query, client: GleifClient, now: Callable[[], datetime]) -> GleifLookup:
    """One name's lookup and, for a single match, its ultimate parent; never raises."""
    params = {"filter[entity.legalName]": query.name, "page[size]": str(PAGE_SIZE)}
    url = client.url("/lei-records", params)

    def answered(status: LookupStatus, retrieved: datetime, **rest: Any) -> GleifLookup:
        return GleifLookup.model_validate(
            {
                "provider": query.provider,
                "subject": query.subject,
                "name": query.name,
                "country": query.country,
                "status": status,
                "url": url,
                "retrieved_at": retrieved,
                **rest,
            }
        )

    try:
        answer = client.get("/lei-records", params)
        retrieved, url = now(), answer.url
        if answer.document is None:
            raise ServiceError(f"GLEIF {answer.url}: HTTP 404")
        result = parse_search(answer.document, query.name, query.country)
    except (ServiceError, GleifResponseError) as exc:
        reason = str(exc) if isinstance(exc, ServiceError) else f"GLEIF {url}: {exc}"
        return answered(LookupStatus.ERROR, now(), reason=reason)
    if result.total > PAGE_SIZE:
        return answered(
            LookupStatus.ERROR,
            retrieved,
            reason=f"{result.total} records of this name, more than one page: check by hand",
        )
    if len(result.matches) != 1:
        return answered(
            LookupStatus.AMBIGUOUS if result.matches else LookupStatus.NO_MATCH,
            retrieved,
            candidates=result.matches,
            reason=search_reason(result, query.name, query.country),
        )
    record = result.matches[0]
    return answered(
        LookupStatus.MATCHED,
        retrieved,
        record=record,
        ultimate_parent=ultimate_parent(record.lei, client, now),
    )


def ultimate_parent(lei: str, client: GleifClient, now: Callable[[], datetime]) -> ParentLookup:
    """GLEIF's ultimate parent of ``lei``: the parent's record, the entity's reporting
    exception (why it names none), or neither; never raises."""
    path = f"/lei-records/{lei}/ultimate-parent"
    url = client.url(path)
    try:
        answer = client.get(path)
        if answer.document is not None:
            return ParentLookup(
                status=ParentStatus.FOUND,
                url=answer.url,
                retrieved_at=now(),
                parent=parse_record(_get(answer.document, "data")),
            )
        path += "-reporting-exception"
        url = client.url(path)
        answer = client.get(path)
        if answer.document is None:
            return ParentLookup(status=ParentStatus.NONE, url=answer.url, retrieved_at=now())
        return ParentLookup(
            status=ParentStatus.REPORTING_EXCEPTION,
            url=answer.url,
            retrieved_at=now(),
            exception_reason=parse_exception_reason(answer.document),
        )
    except (ServiceError, GleifResponseError) as exc:
        reason = str(exc) if isinstance(exc, ServiceError) else f"GLEIF {url}: {exc}"
        return ParentLookup(status=ParentStatus.ERROR, url=url, retrieved_at=now(), error=reason)


# The update ------------------------------------------------------------------------------


@dataclass
class GleifReport:
    lookups: list[GleifLookup]
    path: Path

    def count(self, status: LookupStatus) -> int:
        return sum(1 for lookup in self.lookups if lookup.status is status)

    @property
    def failed(self) -> list[GleifLookup]:
        """Lookups that could not be answered, now or (parent) in part."""
        return [
            lookup
            for lookup in self.lookups
            if lookup.status in (LookupStatus.ERROR, LookupStatus.KEPT_PREVIOUS)
            or (lookup.ultimate_parent and lookup.ultimate_parent.status is ParentStatus.ERROR)
        ]


def user_gleif_path() -> Path:
    """Where ``gleif-update`` writes by default and the DORA register looks first."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("cloudaudit")) / SNAPSHOT_NAME


def update_gleif(
    catalogue: Catalogue,
    output_dir: Path,
    *,
    source: str | None = None,
    providers: tuple[str, ...] = (),
    client: GleifClient | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Callable[[str], None] | None = None,
) -> GleifReport:
    """Ask GLEIF (or the ``source`` mirror) about every catalogue vendor, or only
    ``providers``, and replace ``output_dir/gleif.json`` atomically.

    Vendors not asked this time keep their previous entries; a vendor whose lookup fails
    keeps its previous match, marked kept_previous. When every lookup fails nothing is
    written and ServiceError is raised.
    """
    clock = now or (lambda: datetime.now(UTC).replace(microsecond=0))
    unknown = sorted(set(providers) - set(catalogue.by_id))
    if unknown:
        raise InputError(f"not in the catalogue: {', '.join(unknown)}", field="--provider")
    path = output_dir / SNAPSHOT_NAME
    previous = _previous(path)
    gleif = client or GleifClient(source or API_BASE, interval=0.0 if source else OFFICIAL_INTERVAL)
    lookups: list[GleifLookup] = []
    answered = 0
    try:
        for query in queries(catalogue, providers):
            if progress:
                progress(f"GLEIF: {query.provider}: {query.name}")
            lookup = look_up(query, gleif, clock)
            if lookup.status is LookupStatus.ERROR:
                lookup = _keep_previous(lookup, previous)
            else:
                answered += 1
            lookups.append(lookup)
    finally:
        if client is None:
            gleif.close()
    if lookups and not answered:
        raise ServiceError(
            f"no GLEIF lookup succeeded ({lookups[0].reason}); {path} is left as it was"
        )
    # A vendor asked now is replaced whole (its contracting entity may have changed); one not
    # asked keeps its entries while it is still in the catalogue.
    asked = {lookup.provider for lookup in lookups}
    kept = [
        lookup
        for lookup in previous.lookups
        if lookup.provider not in asked and lookup.provider in catalogue.by_id
    ] if previous else []  # fmt: skip
    snapshot = GleifSnapshot(
        generated_at=clock(),
        source=source or "official",
        api=gleif.base,
        lookups=tuple(sorted([*lookups, *kept], key=lambda item: (item.provider, item.subject))),
    )
    write_snapshot(path, snapshot)
    return GleifReport(lookups, path)


def _previous(path: Path) -> GleifSnapshot | None:
    if not path.is_file():
        return None
    try:
        return load_snapshot(path)
    except InputError:
        return None  # a corrupt previous snapshot is replaced, not merged


def _keep_previous(failed: GleifLookup, previous: GleifSnapshot | None) -> GleifLookup:
    before = previous.find(failed.provider, failed.name) if previous else None
    if before is None or before.usable is None:
        return failed
    return before.model_copy(
        update={"status": LookupStatus.KEPT_PREVIOUS, "reason": f"update failed: {failed.reason}"}
    )


def write_snapshot(path: Path, snapshot: GleifSnapshot) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create directory: {exc.strerror}", source=str(path)) from exc
    text = snapshot.model_dump_json(indent=2, exclude_none=True) + "\n"
    write_file_atomically(path, text.encode())


def load_snapshot(path: Path) -> GleifSnapshot:
    """Read ``gleif.json``; InputError names the file and the field at fault."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read GLEIF snapshot: {exc.strerror}", source=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"GLEIF snapshot is not UTF-8: {exc.reason}", source=str(path)) from exc
    try:
        return GleifSnapshot.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        raise InputError(
            f"not a valid GLEIF snapshot: {first['msg']}", source=str(path), field=field
        ) from exc


def resolve_snapshot(explicit: Path | None = None) -> GleifSnapshot | None:
    """``--gleif FILE`` (which must exist), else the user's updated snapshot, else none."""
    if explicit is not None:
        return load_snapshot(explicit)
    default = user_gleif_path()
    return load_snapshot(default) if default.is_file() else None
