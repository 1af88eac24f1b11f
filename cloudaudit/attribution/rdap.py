"""RDAP fallback for addresses no published feed covers: holder, country, ASN.

The HTTP exchange is ours (httpx: timeouts, redirects, a loopback server in tests); the
parsing is ipwhois's, fed the response we fetched so it never opens a connection itself.
Results are cached on disk with a TTL. Every failure becomes an ``error`` in the result:
RDAP is a hint, never a reason for a scan to fail.
"""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cloudaudit.atomic import write_file_atomically
from cloudaudit.model import Model

if TYPE_CHECKING:
    # httpx is imported only when a client is made: offline attribution never needs it.
    import httpx

#: ARIN's RDAP bootstrap service redirects each query to the registry that holds the address.
DEFAULT_RDAP_BASE = "https://rdap-bootstrap.arin.net/bootstrap"
DEFAULT_TTL_SECONDS = 7 * 86400


class RdapResult(Model):
    address: str
    asn: int | None = None
    holder: str | None = None
    country: str | None = None
    network: str | None = None
    error: str | None = None


def needs_rdap(address: str) -> bool:
    """Only public unicast addresses are worth asking a registry about."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def parse_rdap(address: str, document: dict[str, Any]) -> RdapResult:
    """Holder, country and network from an RDAP ip object, parsed by ipwhois."""
    from ipwhois.net import Net
    from ipwhois.rdap import RDAP

    parsed = RDAP(Net(address)).lookup(
        response=document, bootstrap=True, depth=0, root_ent_check=False
    )
    network = parsed.get("network") or {}
    holder = network.get("name")
    for handle in parsed.get("entities") or []:
        entity = (parsed.get("objects") or {}).get(handle) or {}
        if "registrant" in (entity.get("roles") or []):
            contact = entity.get("contact") or {}
            holder = contact.get("name") or holder
            break
    origin = document.get("arin_originas0_originautnums") or []
    return RdapResult(
        address=address,
        asn=int(origin[0]) if origin else None,
        holder=holder,
        country=network.get("country"),
        network=network.get("cidr"),
    )


class RdapClient:
    """Looks addresses up over RDAP with a disk cache; ``base_url`` is overridable for tests."""

    def __init__(
        self,
        cache_file: Path | None,
        *,
        base_url: str = DEFAULT_RDAP_BASE,
        ttl_seconds: float = DEFAULT_TTL_SECONDS,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        self.cache_file = cache_file
        self.base_url = base_url.rstrip("/")
        self.ttl_seconds = ttl_seconds
        if client is None:
            import httpx

            client = httpx.Client(timeout=timeout, follow_redirects=True)
        self.client = client
        self.cache: dict[str, dict[str, Any]] = self._read_cache()

    def _read_cache(self) -> dict[str, dict[str, Any]]:
        if self.cache_file is None or not self.cache_file.is_file():
            return {}
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}  # a damaged cache is only a cache: start again

    def lookup_many(
        self, addresses: Iterable[str], now: float | None = None
    ) -> dict[str, RdapResult]:
        now = time.time() if now is None else now
        results: dict[str, RdapResult] = {}
        changed = False
        for address in dict.fromkeys(addresses):
            cached = self.cache.get(address)
            if cached and now - float(cached.get("stored_at", 0)) < self.ttl_seconds:
                results[address] = RdapResult.model_validate(cached["result"])
                continue
            result = self._fetch(address)
            results[address] = result
            if result.error is None:
                self.cache[address] = {"stored_at": now, "result": result.model_dump(mode="json")}
                changed = True
        if changed and self.cache_file is not None:
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            write_file_atomically(self.cache_file, json.dumps(self.cache).encode())
        return results

    def _fetch(self, address: str) -> RdapResult:
        import httpx

        url = f"{self.base_url}/ip/{address}"
        try:
            response = self.client.get(url, headers={"Accept": "application/rdap+json"})
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict):
                return RdapResult(address=address, error=f"{url}: not an RDAP object")
            return parse_rdap(address, document)
        except httpx.HTTPError as exc:
            return RdapResult(address=address, error=f"{url}: {exc}")
        except ValueError as exc:
            return RdapResult(address=address, error=f"{url}: invalid JSON: {exc}")
        except Exception as exc:  # noqa: BLE001 - ipwhois raises assorted errors on odd data
            return RdapResult(address=address, error=f"{url}: cannot parse: {exc}")

    def close(self) -> None:
        self.client.close()
