"""The one place host names, endpoints and registrable domains are normalised.

Everything downstream compares names as lower-case A-labels without the trailing dot, so an
IDN written as U-labels in an inventory and the punycode a resolver returns are the same name.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from sys import intern
from urllib.parse import urlsplit

from publicsuffixlist import PublicSuffixList

from cloudaudit.inventory.models import Endpoint, EndpointKind

_MAX_NAME_LENGTH = 253


def normalise_hostname(text: str) -> str:
    """Return ``text`` as a lower-case A-label name without trailing dot.

    Raises ValueError with the reason when the name is not a valid DNS name.
    """
    candidate = text.strip().rstrip(".")
    if not candidate:
        raise ValueError("empty host name")
    if any(ch.isspace() for ch in candidate):
        raise ValueError(f"host name {text!r} contains white space")
    if candidate.isascii():
        # The IDNA step passes ASCII labels through unchanged. Interned, so the name a scan
        # keeps in the inventory, its evidence and its attribution is one string.
        ascii_name = intern(candidate.lower())
    else:
        import dns.exception  # only IDNs need it; a lookup of an address never imports dnspython
        import dns.name

        try:
            name = dns.name.from_unicode(candidate, idna_codec=dns.name.IDNA_2008_Practical)
        except (dns.exception.DNSException, UnicodeError) as exc:
            raise ValueError(f"invalid host name {text!r}: {exc}") from exc
        ascii_name = name.to_text(omit_final_dot=True).lower()
    if len(ascii_name) > _MAX_NAME_LENGTH:
        raise ValueError(f"host name {text!r} is longer than {_MAX_NAME_LENGTH} characters")
    for label in ascii_name.split("."):
        if not label:
            raise ValueError(f"host name {text!r} has an empty label")
        if len(label) > 63:
            raise ValueError(f"host name {text!r} has a label longer than 63 characters")
        stripped = label.replace("-", "").replace("_", "")
        if not stripped.isalnum() or not stripped.isascii():
            raise ValueError(f"host name {text!r} has an invalid label {label!r}")
    return ascii_name


#: The label a wildcard name (``*.example.com``) is asked under: a resolver answers any name
#: the wildcard covers alike, so one such name stands for all of them.
WILDCARD_PROBE_LABEL = "wildcard-probe"


def wildcard_probe(name: str) -> str:
    """``*.foo.example.com`` → ``wildcard-probe.foo.example.com``; other names unchanged."""
    return WILDCARD_PROBE_LABEL + name[1:] if name.startswith("*.") else name


def _ip_literal(text: str) -> str | None:
    candidate = text.strip("[]")
    if ":" not in candidate and not candidate.replace(".", "").isdigit():
        return None  # neither IPv6 nor dotted decimal: spare the host name a raised exception
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def parse_endpoint(raw: str) -> Endpoint:
    """Classify and normalise an inventory endpoint: URL, IP literal or host name."""
    text = raw.strip()
    if not text:
        raise ValueError("empty endpoint")
    if "://" in text:
        parts = urlsplit(text)
        host = parts.hostname
        if not host:
            raise ValueError(f"URL {raw!r} has no host")
        try:
            port = parts.port
        except ValueError as exc:
            raise ValueError(f"URL {raw!r}: {exc}") from exc
        address = _ip_literal(host)
        normalised = address if address else normalise_hostname(host)
        return Endpoint(raw=raw, kind=EndpointKind.URL, host=normalised, port=port)
    address = _ip_literal(text)
    if address:
        return Endpoint(raw=raw, kind=EndpointKind.IP, host=address)
    if text.startswith("[") and "]:" in text:
        literal, _, port_text = text[1:].partition("]:")
        address = _ip_literal(literal)
        if address and port_text.isdigit():
            return Endpoint(raw=raw, kind=EndpointKind.IP, host=address, port=int(port_text))
    host, sep, port_text = text.rpartition(":")
    if sep and port_text.isdigit() and ":" not in host:
        address = _ip_literal(host)
        if address:
            return Endpoint(raw=raw, kind=EndpointKind.IP, host=address, port=int(port_text))
        return Endpoint(
            raw=raw, kind=EndpointKind.HOSTNAME, host=normalise_hostname(host), port=int(port_text)
        )
    return Endpoint(raw=raw, kind=EndpointKind.HOSTNAME, host=normalise_hostname(text))


@lru_cache(maxsize=1)
def _public_suffix_list() -> PublicSuffixList:
    # The list ships inside the package: no download, works offline.
    return PublicSuffixList()


def registrable_domain(name: str) -> str:
    """The registrable domain (eTLD+1) of ``name``, or ``name`` itself when it has none."""
    result = _public_suffix_list().privatesuffix(name.lower().rstrip("."))
    return str(result) if result else name.lower().rstrip(".")
