"""Vendors shown by records that carry no traffic: pure functions over the evidence.

A domain-verification token, a DKIM key delegated to a sender, a DMARC or TLS-RPT report
address, an ACME challenge delegated to a validation service, a CAA issuer or an SRV target
prove a relationship with a vendor (an ICT third party for a register) without that vendor
serving the name. They are reported as dependencies of kind mail, saas or certificate, never
as hosting, so concentration shares stay about where services run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

from cloudaudit.attribution.catalogue import PatternKind
from cloudaudit.attribution.models import Dependency, DependencyKind, EvidenceItem, Method
from cloudaudit.attribution.patterns import NameMatcher, PatternHit
from cloudaudit.discovery.models import ScanEvidence, Signal, SignalEvidence
from cloudaudit.discovery.walk import target_names, txt_strings

#: The kind a signal shows when the matching pattern does not say.
_SIGNAL_KIND = {
    Signal.VERIFICATION: DependencyKind.SAAS,
    Signal.DKIM: DependencyKind.MAIL,
    Signal.DMARC_REPORTS: DependencyKind.SAAS,
    Signal.TLS_REPORTS: DependencyKind.SAAS,
    Signal.MTA_STS: DependencyKind.MAIL,
    Signal.BIMI: DependencyKind.SAAS,
    Signal.ACME_CHALLENGE: DependencyKind.CERTIFICATE,
    Signal.CAA: DependencyKind.CERTIFICATE,
    Signal.SRV: DependencyKind.SAAS,
    Signal.RECORD: DependencyKind.SAAS,
}
#: What an underscore label says about a record name a zone file lists.
_LABEL_SIGNAL = {
    "_domainkey": Signal.DKIM,
    "_acme-challenge": Signal.ACME_CHALLENGE,
    "_dmarc": Signal.DMARC_REPORTS,
    "_mta-sts": Signal.MTA_STS,
    "_bimi": Signal.BIMI,
}
_CAA_PROPERTY = re.compile(r'^\d+\s+(issue|issuewild)\s+"([^"]*)"', re.IGNORECASE)


def find_dependencies(evidence: ScanEvidence, matcher: NameMatcher) -> tuple[Dependency, ...]:
    """Every vendor a non-traffic record of the evidence shows, once per (name, vendor, signal)."""
    found: dict[tuple[str, str, Signal], Dependency] = {}
    for dependency in _all(evidence, matcher):
        key = (dependency.subject, dependency.provider, dependency.signal)
        seen = found.get(key)
        if seen is None:
            found[key] = dependency
        else:
            found[key] = seen.model_copy(update={"evidence": seen.evidence + dependency.evidence})
    return tuple(sorted(found.values(), key=lambda d: (d.subject, d.provider, d.signal)))


def _all(evidence: ScanEvidence, matcher: NameMatcher) -> Iterator[Dependency]:
    for domain in evidence.domains:
        apex = domain.txt.qname
        for text in txt_strings(domain.txt):
            token = text.lower()
            yield from _named(matcher, apex, Signal.VERIFICATION, token, PatternKind.TXT)
        dmarc = SignalEvidence(signal=Signal.DMARC_REPORTS, query=domain.dmarc)
        yield from _from_signal(matcher, dmarc)
        for caa in domain.caa.records:
            property_ = _CAA_PROPERTY.match(caa.value)
            issuer = property_[2].split(";")[0].strip().lower() if property_ else ""
            if issuer:
                yield from _named(matcher, apex, Signal.CAA, issuer, PatternKind.CAA)
        for srv in domain.srv:
            for target in srv.targets:
                yield from _named(matcher, srv.query.qname, Signal.SRV, target, PatternKind.CNAME)
        for signal in domain.signals:
            yield from _from_signal(matcher, signal)
    for host in evidence.hosts.values():
        if host.acme_challenge is not None:
            acme = SignalEvidence(signal=Signal.ACME_CHALLENGE, query=host.acme_challenge)
            yield from _from_signal(matcher, acme)
    for listed in evidence.records:
        yield from _from_signal(matcher, listed)


def _from_signal(matcher: NameMatcher, evidence: SignalEvidence) -> Iterator[Dependency]:
    query = evidence.query
    signal = evidence.signal
    if signal is Signal.RECORD:
        labels = query.qname.split(".")
        signal = next((_LABEL_SIGNAL[label] for label in labels if label in _LABEL_SIGNAL), signal)
    subject = query.qname
    # Delegations: the names a CNAME chain passes through (DKIM, DCV, _dmarc, _mta-sts).
    for hop in query.cname_chain:
        yield from _named(matcher, subject, signal, hop.target, PatternKind.CNAME)
    for target in target_names(query) if query.qtype == "SRV" else ():
        yield from _named(matcher, subject, signal, target, PatternKind.CNAME)
    texts = txt_strings(query)
    if signal in (Signal.DMARC_REPORTS, Signal.TLS_REPORTS):
        for domain in _report_domains(texts):
            yield from _named(matcher, subject, signal, domain, PatternKind.REPORT)
    elif signal is Signal.BIMI:
        for host in _tag_hosts(texts, ("l", "a")):
            yield from _named(matcher, subject, signal, host, PatternKind.CNAME)


def _named(
    matcher: NameMatcher, subject: str, signal: Signal, value: str, kind: PatternKind
) -> Iterator[Dependency]:
    for hit in matcher.match(value, kind):
        yield _dependency(subject, signal, value, hit)


def _dependency(subject: str, signal: Signal, value: str, hit: PatternHit) -> Dependency:
    pattern = hit.pattern
    shown = value if len(value) <= 80 else value[:80] + "…"
    return Dependency(
        subject=subject,
        provider=hit.provider.id,
        kind=pattern.dependency or _SIGNAL_KIND[signal],
        signal=signal,
        service=hit.service,
        evidence=(
            EvidenceItem(
                method=Method.NAME_PATTERN,
                subject=subject,
                detail=f"{signal.value}: {shown} matches {hit.provider.name}"
                + (f" {hit.service}" if hit.service else "")
                + f" (documented at {pattern.source})",
                source=pattern.regex,
            ),
        ),
    )


def _tags(texts: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``tag=value`` pairs of DMARC, TLS-RPT and BIMI records (RFC 7489 section 6.4)."""
    for text in texts:
        for part in text.split(";"):
            tag, equals, value = part.partition("=")
            if equals:
                yield tag.strip().lower(), value.strip()


def _report_domains(texts: Iterable[str]) -> list[str]:
    """Domains of the rua/ruf URIs: the mailbox's domain, or an https endpoint's host."""
    domains = []
    for tag, value in _tags(texts):
        if tag not in ("rua", "ruf"):
            continue
        for uri in value.split(","):
            uri = uri.strip().split("!")[0]  # RFC 7489 size limit suffix
            if uri.lower().startswith("mailto:"):
                mailbox, at, domain = uri.rpartition("@")
                domains.append(domain if at and mailbox else "")
            else:
                domains.append(_host(uri))
    return _clean(domains)


def _tag_hosts(texts: Iterable[str], wanted: tuple[str, ...]) -> list[str]:
    return _clean(_host(value) for tag, value in _tags(texts) if tag in wanted)


def _host(uri: str) -> str:
    try:
        return urlsplit(uri.strip()).hostname or ""
    except ValueError:
        return ""


def _clean(names: Iterable[str]) -> list[str]:
    cleaned = (name.strip().rstrip(".").lower() for name in names)
    return list(dict.fromkeys(name for name in cleaned if name and len(name) <= 253))
