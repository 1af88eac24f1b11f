"""Scan settings: which resolvers, how patient, how parallel, and which names to probe."""

from __future__ import annotations

import os

from pydantic import Field

from cloudaudit.discovery.models import CtService, Signal
from cloudaudit.model import Model

#: Subdomains probed under every apex: where websites, mail and apps commonly live.
DEFAULT_SUBDOMAINS: tuple[str, ...] = (
    "www", "mail", "smtp", "imap", "webmail", "autodiscover", "autoconfig", "api", "app",
    "shop", "store", "status", "blog", "docs", "help", "support", "portal", "login", "sso",
    "auth", "cdn", "static", "assets", "vpn", "remote", "matrix", "chat", "git", "ftp", "m",
    "mta-sts",
)  # fmt: skip

#: Well-known SRV names: federation, chat, voice, mail client configuration (RFC 6186, 8314).
DEFAULT_SRV_NAMES: tuple[str, ...] = (
    "_matrix-fed._tcp", "_matrix._tcp", "_xmpp-server._tcp", "_xmpp-client._tcp",
    "_sip._tls", "_sip._tcp", "_sip._udp", "_sips._tcp", "_autodiscover._tcp",
    "_submissions._tcp", "_submission._tcp", "_imaps._tcp", "_imap._tcp", "_pop3s._tcp",
    "_caldavs._tcp", "_carddavs._tcp", "_ldap._tcp", "_kerberos._udp",
    "_sipfederationtls._tcp",
)  # fmt: skip

#: DKIM selectors that senders and suites publish at fixed names: Microsoft 365, Google
#: Workspace, SendGrid, Mailchimp and Mandrill, Mailgun, Brevo, Zoho, Fastmail, Proton,
#: iCloud, Zendesk, Campaign Monitor, Mailjet, MailerLite, Klaviyo, Constant Contact, and the
#: generic names many on-premises signers use. Selectors with a per-customer part (Postmark's
#: dated ones, HubSpot's numbered ones) cannot be guessed and are found in zone files only.
DEFAULT_DKIM_SELECTORS: tuple[str, ...] = (
    "selector1", "selector2", "google", "s1", "s2", "smtpapi", "k1", "k2", "k3", "mandrill",
    "krs", "mx", "mail", "brevo1", "brevo2", "zoho", "zmail", "fm1", "fm2", "fm3",
    "protonmail", "protonmail2", "protonmail3", "sig1", "zendesk1", "zendesk2", "cm",
    "mailjet", "ml", "mlsend", "mlsend2", "kl", "kl2", "ctct1", "ctct2", "default", "dkim",
)  # fmt: skip

#: TXT names under every apex where mail policy vendors show (RFC 8461, 8460, BIMI draft).
MAIL_POLICY_NAMES: tuple[tuple[str, Signal], ...] = (
    ("_mta-sts", Signal.MTA_STS),
    ("_smtp._tls", Signal.TLS_REPORTS),
    ("default._bimi", Signal.BIMI),
)


#: Where each certificate-transparency service answers when no other base URL is given.
CT_DEFAULT_URLS: dict[CtService, str] = {
    CtService.CRTSH: "https://crt.sh/",
    CtService.CERTSPOTTER: "https://api.certspotter.com/v1/issuances",
}

#: Matrix server discovery (spec, "Server discovery" and "Well-known URIs"): {domain} is the
#: apex, {kind} 'server' or 'client'.
WELL_KNOWN_URL = "https://{domain}/.well-known/matrix/{kind}"


class CtConfig(Model):
    """How to ask a certificate-transparency search service for the names under a domain.

    The services are slow and rate-limited: one request per domain (Cert Spotter pages
    through ``after``), a generous deadline, retries with backoff on 429, 5xx and timeouts.
    """

    service: CtService = CtService.CRTSH
    url: str | None = Field(
        default=None, description="Base URL of the service; None: the service's own."
    )
    max_names: int = Field(default=5000, ge=1, description="Names kept per domain.")
    timeout: float = Field(
        default=60.0, gt=0, description="Seconds for one request, body included."
    )
    retries: int = Field(default=3, ge=0, description="Extra attempts after 429, 5xx, timeout.")
    backoff: float = Field(default=2.0, ge=0, description="First wait between attempts (s).")
    max_wait: float = Field(
        default=60.0, ge=0, description="Longest wait honoured, Retry-After included (s)."
    )
    max_bytes: int = Field(default=64 << 20, ge=1024, description="Bytes read per answer.")
    max_pages: int = Field(default=50, ge=1, description="Pages asked per domain (Cert Spotter).")
    concurrency: int = Field(default=2, ge=1, description="Domains asked at once.")

    @property
    def base_url(self) -> str:
        return self.url or CT_DEFAULT_URLS[self.service]


class TakeoverProbe(Model):
    """A vendor's error page for a deprovisioned resource, looked for over HTTP at names
    whose CNAME chain reaches the vendor (from the catalogue's takeover facts)."""

    regex: str = Field(description="Pattern a name on the CNAME chain must match.")
    fingerprint: str = Field(description="Text the vendor's page shows when nothing is there.")


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
    dkim_selectors: tuple[str, ...] = DEFAULT_DKIM_SELECTORS
    takeover_probes: tuple[TakeoverProbe, ...] = Field(
        default=(), description="Error pages to look for at names that CNAME to these vendors."
    )
    http_port: int = Field(default=80, ge=1, le=65535, description="Port of the HTTP probes.")
    http_probe_private: bool = Field(
        default=False,
        description="Also probe private, loopback and reserved addresses (a lab, an internal "
        "estate); by default only globally routable ones.",
    )
    acme_challenge: bool = Field(
        default=True,
        description="Ask _acme-challenge.<host> of every endpoint (apexes and probes always).",
    )
    axfr: bool = Field(
        default=False,
        description="Ask each address of each name server of every apex for a zone transfer "
        "(AXFR over TCP); network scans only.",
    )
    axfr_timeout: float = Field(
        default=10.0, gt=0, description="Seconds one zone transfer may take from connect to end."
    )
    axfr_max_records: int = Field(
        default=100_000, ge=1, description="Records read from one transfer before it is cut."
    )
    axfr_max_bytes: int = Field(
        default=32 << 20,
        ge=512,
        description="Message bytes read from one transfer before it is cut.",
    )
    ct: CtConfig | None = Field(
        default=None,
        description="Ask a certificate-transparency search service for every name under each "
        "domain; None: not asked (network scans only).",
    )
    well_known: bool = Field(
        default=False,
        description="Fetch each domain's Matrix /.well-known delegations over HTTPS (network "
        "scans only).",
    )
    well_known_url: str = Field(
        default=WELL_KNOWN_URL,
        description="URL template of the Matrix documents: {domain} and {kind} are filled in.",
    )
    max_chain: int = Field(default=16, ge=1, description="CNAME hops before chain_too_long.")
    max_records: int = Field(default=64, ge=1, description="Records kept per answer.")
    max_value_length: int = Field(default=2048, ge=64, description="Characters kept per value.")
    spf_lookup_limit: int = 10  # RFC 7208 section 4.6.4
    workers: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
        ge=1,
        description="Processes resolving large host lists (one per core, at most 4).",
    )
