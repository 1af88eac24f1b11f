"""Pure decisions of the walk: how an answer becomes a chain, which names to ask next.

No sockets here. The runner asks a backend and hands the raw answers to these functions,
which decide what the answer means (chain, NODATA, loop) and what must be asked next (the
rest of a CNAME chain, NS and MX hosts, SPF includes, SRV targets).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from cloudaudit.discovery.interface import RawAnswer, RawRecord
from cloudaudit.discovery.models import CnameHop, DnsQuery, Outcome, Record

#: SPF terms that cost a DNS lookup (RFC 7208 section 4.6.4).
_SPF_LOOKUP_TERMS = frozenset({"include", "a", "mx", "ptr", "exists", "redirect"})


@dataclass(slots=True)
class ChainStep:
    """What one answer says about ``qname``: hops taken, where it ends, the data found."""

    hops: list[CnameHop] = field(default_factory=list)
    final_name: str = ""
    data: list[RawRecord] = field(default_factory=list)
    loop: bool = False


def follow_chain(qname: str, rdtype: str, records: list[RawRecord], seen: set[str]) -> ChainStep:
    """Walk the CNAMEs in one answer section from ``qname``; ``seen`` detects loops."""
    cnames = {r.name: r for r in records if r.rtype == "CNAME"}
    step = ChainStep(final_name=qname)
    current = qname
    while current in cnames and rdtype != "CNAME":
        record = cnames[current]
        target = record.target or ""
        step.hops.append(CnameHop(name=current, target=target, ttl=record.ttl))
        if target in seen:
            step.loop = True
            step.final_name = target
            return step
        seen.add(target)
        current = target
    step.final_name = current
    step.data = [r for r in records if r.name == current and r.rtype == rdtype]
    return step


def record_value(record: RawRecord, max_length: int) -> str:
    """Presentation text, cut at ``max_length`` characters (hostile records can be huge)."""
    text = record.value
    return text if len(text) <= max_length else text[:max_length] + "…[truncated]"


def make_query(
    qname: str,
    qtype: str,
    outcome: Outcome,
    raw: RawAnswer,
    hops: list[CnameHop],
    data: list[RawRecord],
    *,
    attempts: int,
    elapsed_ms: float,
    max_records: int,
    max_value_length: int,
    detail: str | None = None,
) -> DnsQuery:
    kept = data[:max_records]
    notes = [n for n in (detail, raw.detail) if n]
    if len(data) > max_records:
        notes.append(f"kept {max_records} of {len(data)} records")
    return DnsQuery(
        qname=qname,
        qtype=qtype,
        outcome=outcome,
        records=tuple(
            Record(name=r.name, rtype=r.rtype, ttl=r.ttl, value=record_value(r, max_value_length))
            for r in kept
        ),
        cname_chain=tuple(hops),
        resolver=raw.resolver,
        transport=raw.transport,
        truncated=raw.truncated,
        attempts=attempts,
        elapsed_ms=round(elapsed_ms, 3),
        detail="; ".join(notes) or None,
    )


def target_names(query: DnsQuery) -> list[str]:
    """Host names an NS, MX, SRV or CNAME answer points at (null MX and '.' left out)."""
    names: list[str] = []
    for record in query.records:
        parts = record.value.split()
        if record.rtype in ("NS", "CNAME") and parts:
            names.append(parts[0])
        elif record.rtype == "MX" and len(parts) == 2:
            names.append(parts[1])
        elif record.rtype == "SRV" and len(parts) == 4:
            names.append(parts[3])
    cleaned = (n.rstrip(".").lower() for n in names)
    return list(dict.fromkeys(n for n in cleaned if n))


def txt_strings(query: DnsQuery) -> list[str]:
    """TXT records of a query joined per record (RFC 7208 section 3.3), decoded leniently."""
    texts = []
    for record in query.records:
        if record.rtype != "TXT":
            continue
        chunks = re.findall(r'"((?:[^"\\]|\\.)*)"', record.value)
        texts.append("".join(_unescape(chunk) for chunk in chunks))
    return texts


def _unescape(chunk: str) -> str:
    return re.sub(r"\\(\d{3}|.)", lambda m: _escape_char(m[1]), chunk)


def _escape_char(code: str) -> str:
    return chr(int(code)) if code.isdigit() else code


def spf_record(query: DnsQuery) -> tuple[str | None, str | None]:
    """The SPF record among TXT answers, or (None, reason). Two records are a permerror."""
    records = [t for t in txt_strings(query) if re.match(r"(?i)v=spf1(\s|$)", t)]
    if not records:
        return None, "no SPF record"
    if len(records) > 1:
        return records[0], "more than one SPF record (RFC 7208 permerror)"
    return records[0], None


@dataclass(slots=True)
class SpfTerms:
    lookups: int
    follow: list[tuple[str, str]]  # (mechanism, domain) for include and redirect
    errors: list[str]


def spf_terms(record: str) -> SpfTerms:
    """Count lookup-costing terms and list the domains to follow (RFC 7208 sections 5, 6)."""
    lookups = 0
    follow: list[tuple[str, str]] = []
    errors: list[str] = []
    for term in record.split()[1:]:
        name = term.lstrip("+-~?")
        match = re.match(r"(?i)([a-z0-9_.-]+)[:=]?(.*)", name)
        if not match:
            continue
        mechanism, argument = match[1].lower(), match[2]
        if mechanism not in _SPF_LOOKUP_TERMS:
            continue
        lookups += 1
        if mechanism in ("include", "redirect"):
            if not argument:
                errors.append(f"{mechanism} without a domain")
            elif "%" in argument:
                errors.append(f"{mechanism}:{argument} uses a macro; not expanded")
            else:
                follow.append((mechanism, argument.rstrip(".").lower()))
    return SpfTerms(lookups=lookups, follow=follow, errors=errors)
