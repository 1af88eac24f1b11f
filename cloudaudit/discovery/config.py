"""Scan settings: which resolvers, how patient, how parallel, and which names to probe."""

from __future__ import annotations

import os

from pydantic import Field

from cloudaudit.model import Model

#: Subdomains probed under every apex: where websites, mail and apps commonly live.
DEFAULT_SUBDOMAINS: tuple[str, ...] = (
    "www", "mail", "smtp", "imap", "webmail", "autodiscover", "autoconfig", "api", "app",
    "shop", "store", "status", "blog", "docs", "help", "support", "portal", "login", "sso",
    "auth", "cdn", "static", "assets", "vpn", "remote", "matrix", "chat", "git", "ftp", "m",
)  # fmt: skip

#: Well-known SRV names: federation, chat, voice, mail client configuration (RFC 6186, 8314).
DEFAULT_SRV_NAMES: tuple[str, ...] = (
    "_matrix-fed._tcp", "_matrix._tcp", "_xmpp-server._tcp", "_xmpp-client._tcp",
    "_sip._tls", "_sip._tcp", "_sip._udp", "_sips._tcp", "_autodiscover._tcp",
    "_submissions._tcp", "_submission._tcp", "_imaps._tcp", "_imap._tcp", "_pop3s._tcp",
    "_caldavs._tcp", "_carddavs._tcp", "_ldap._tcp", "_kerberos._udp",
)  # fmt: skip


class ScanConfig(Model):
    resolvers: tuple[str, ...] = Field(
        default=(), description="IP or IP:PORT ([v6]:PORT); empty means the system's resolvers."
    )
    timeout: float = Field(default=2.0, gt=0, description="Seconds to wait for one answer.")
    retries: int = Field(default=2, ge=0, description="Extra attempts after a timeout.")
    concurrency: int = Field(default=256, ge=1, description="Questions in flight at once.")
    rate_limit: float | None = Field(default=None, gt=0, description="Queries per second cap.")
    subdomains: tuple[str, ...] = DEFAULT_SUBDOMAINS
    srv_names: tuple[str, ...] = DEFAULT_SRV_NAMES
    max_chain: int = Field(default=16, ge=1, description="CNAME hops before chain_too_long.")
    max_records: int = Field(default=64, ge=1, description="Records kept per answer.")
    max_value_length: int = Field(default=2048, ge=64, description="Characters kept per value.")
    spf_lookup_limit: int = 10  # RFC 7208 section 4.6.4
    workers: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
        ge=1,
        description="Processes resolving large host lists (one per core, at most 4).",
    )
