"""The thin async loop that drives the walk: asks the backend, caches, assembles evidence.

Each (name, type) is asked once per scan: concurrent callers share one task, so the same NS
host used by a thousand domains costs one lookup. CNAME chains are followed hop by hop when a
resolver (or a zone file) returns only part of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import dns.zone

from cloudaudit._version import __version__
from cloudaudit.discovery.config import MAIL_POLICY_NAMES, ScanConfig
from cloudaudit.discovery.interface import DnsBackend, RawAnswer, RawRecord
from cloudaudit.discovery.models import (
    CnameHop,
    DnsQuery,
    DomainEvidence,
    HostEvidence,
    HttpProbe,
    NameSource,
    Outcome,
    ScanEvidence,
    ScanStats,
    ServerProbe,
    Signal,
    SignalEvidence,
    SpfEvidence,
    SpfNode,
    SrvEvidence,
    ZoneTransfer,
)
from cloudaudit.discovery.sources import NameSources, apex_of
from cloudaudit.discovery.walk import (
    follow_chain,
    make_query,
    spf_record,
    spf_terms,
    target_names,
)
from cloudaudit.inventory.models import EndpointKind, Inventory

if TYPE_CHECKING:
    from cloudaudit.discovery.axfr import Transferred
    from cloudaudit.discovery.enumeration import DomainFindings

ProgressCallback = Callable[[int, int], None]
K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T")
R = TypeVar("R")
_SPF_MAX_DEPTH = 12
_PARENT_SERVERS = 3  # of the parent's name servers resolved for a referral
_PROBED_SERVERS = 8  # of a domain's name servers asked directly whether they serve it
_ADDRESSES_PER_SERVER = 2
_SRV_PROTOCOLS = frozenset({"_tcp", "_udp", "_tls", "_sctp"})
_TRANSFERS_AT_ONCE = 8


class _Memo(Generic[K, V]):
    """Each key computed once per scan; concurrent callers wait for the first one's result.

    The first caller computes in its own task, so a question costs no task of its own, and a
    finished key keeps only its bare result (a future per question would cost more memory
    than the answers).
    """

    def __init__(self) -> None:
        self.pending: dict[K, asyncio.Future[V]] = {}
        self.done: dict[K, V] = {}
        self.hits = 0

    async def get(self, key: K, compute: Callable[[], Coroutine[Any, Any, V]]) -> V:
        if key in self.done:
            self.hits += 1
            return self.done[key]
        shared = self.pending.get(key)
        if shared is not None:
            self.hits += 1
            # Shielded: a waiter cancelled must not cancel the answer the others wait for.
            return await asyncio.shield(shared)
        shared = asyncio.get_running_loop().create_future()
        self.pending[key] = shared
        try:
            value = await compute()
        except asyncio.CancelledError:
            shared.cancel()
            raise
        except BaseException as exc:
            # A failed key stays pending, so whoever waits for it still sees why.
            shared.set_exception(exc)
            shared.exception()  # retrieved: no "never retrieved" warning if nobody waits
            raise
        shared.set_result(value)
        self.done[key] = value
        del self.pending[key]
        return value


class Discovery:
    """One scan's state: the backend, the per-scan caches and the counters."""

    def __init__(
        self, backend: DnsBackend, config: ScanConfig, *, zone_transfers: bool = False
    ) -> None:
        self.backend = backend
        self.config = config
        self.zone_transfers = zone_transfers
        # Each transfer holds up to a whole zone while it is read: a few at a time.
        self.transfer_slots = asyncio.Semaphore(_TRANSFERS_AT_ONCE)
        self.lookups: _Memo[tuple[str, str], DnsQuery] = _Memo()
        self.hosts: _Memo[str, HostEvidence] = _Memo()
        self.parent_servers: set[str] = set()  # resolved to ask for delegations

    @property
    def cache_hits(self) -> int:
        return self.lookups.hits + self.hosts.hits

    def lookup(self, name: str, rdtype: str) -> Coroutine[Any, Any, DnsQuery]:
        return self.lookups.get((name, rdtype), lambda: self._resolve(name, rdtype))

    async def _resolve(self, qname: str, rdtype: str) -> DnsQuery:
        started = time.perf_counter()
        hops: list[CnameHop] = []
        seen = {qname}
        current = qname
        attempts = 0
        while True:
            raw = await self.backend.ask(current, rdtype)
            attempts += raw.attempts
            step = follow_chain(current, rdtype, raw.records, seen)
            hops.extend(step.hops)
            outcome, detail = _classify(raw, bool(step.data)), None
            if step.loop:
                outcome, detail = Outcome.CNAME_LOOP, f"CNAME loop back to {step.final_name}"
            elif len(hops) > self.config.max_chain:
                outcome = Outcome.CHAIN_TOO_LONG
                detail = f"more than {self.config.max_chain} CNAME hops"
            elif (
                outcome is Outcome.NODATA
                and step.hops
                and step.final_name != current
                and not raw.negative_soa
            ):
                current = step.final_name  # only part of the chain came back: ask the rest
                continue
            elif outcome is Outcome.SERVFAIL and rdtype != "CNAME" and not step.hops:
                walked = await self._walk_hops(current, rdtype, seen)
                if walked is not None:
                    hops.extend(walked.hops)
                    outcome, detail, raw = walked.outcome, walked.detail, walked.raw
                    step.data = walked.data
                    attempts += walked.attempts
            return make_query(
                qname,
                rdtype,
                outcome,
                raw,
                hops,
                step.data,
                attempts=attempts,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                max_records=self.config.max_records,
                max_value_length=self.config.max_value_length,
                detail=detail,
            )

    async def _walk_hops(self, name: str, rdtype: str, seen: set[str]) -> _HopWalk | None:
        """Follow a chain one CNAME query at a time after the resolver gave up on it.

        Recursive resolvers answer SERVFAIL for CNAME loops and for chains longer than their
        own limit (Unbound stops after 11 restarts), hiding the chain. Asking for the CNAME
        record of each name shows it hop by hop. None when ``name`` has no CNAME at all.
        """
        hops: list[CnameHop] = []
        current = name
        attempts = 0
        while len(hops) <= self.config.max_chain:
            raw = await self.backend.ask(current, "CNAME")
            attempts += raw.attempts
            step = follow_chain(current, "CNAME", raw.records, set())
            cname = next((r for r in step.data if r.rtype == "CNAME"), None)
            if cname is None:
                if not hops:
                    return None
                final = await self.backend.ask(current, rdtype)
                attempts += final.attempts
                data = [r for r in final.records if r.name == current and r.rtype == rdtype]
                outcome = _classify(final, bool(data))
                note = "resolver failed on the whole chain; followed it hop by hop"
                return _HopWalk(hops, data, outcome, note, final, attempts)
            target = cname.target or ""
            hops.append(CnameHop(name=current, target=target, ttl=cname.ttl))
            if target in seen:
                detail = f"CNAME loop back to {target}"
                return _HopWalk(hops, [], Outcome.CNAME_LOOP, detail, raw, attempts)
            seen.add(target)
            current = target
        detail = f"more than {self.config.max_chain} CNAME hops"
        return _HopWalk(hops, [], Outcome.CHAIN_TOO_LONG, detail, raw, attempts)

    def host(self, name: str) -> Coroutine[Any, Any, HostEvidence]:
        return self.hosts.get(name, lambda: self._host(name))

    async def _host(self, name: str) -> HostEvidence:
        # A and AAAA at once; the A question in this task, so a host costs one task more.
        aaaa = asyncio.create_task(self.lookup(name, "AAAA"))
        try:
            a = await self.lookup(name, "A")
        except BaseException:
            aaaa.cancel()
            raise
        return HostEvidence(hostname=name, a=a, aaaa=await aaaa)

    async def endpoint_host(self, name: str) -> HostEvidence:
        """An inventory endpoint: its addresses and, if it exists, its ACME delegation."""
        host = await self.host(name)
        if not self.config.acme_challenge or not _exists(host):
            return host
        acme = await self.lookup(f"_acme-challenge.{name}", "TXT")
        return host.model_copy(update={"acme_challenge": acme}) if _shows(acme) else host

    async def server_probes(
        self, domain: str, hosts: Sequence[HostEvidence]
    ) -> tuple[ServerProbe, ...]:
        """Each address of each name server asked for the domain's SOA, without recursion."""
        targets = [
            (host.hostname, address)
            for host in hosts[:_PROBED_SERVERS]
            for address in host.addresses[:_ADDRESSES_PER_SERVER]
        ]

        async def probe(host: str, address: str) -> ServerProbe:
            started = time.perf_counter()
            raw = await self.backend.ask_server(domain, "SOA", address)
            soa = [r for r in raw.records if r.rtype == "SOA"]
            query = make_query(
                domain,
                "SOA",
                _classify(raw, bool(soa)),
                raw,
                [],
                soa,
                attempts=raw.attempts,
                elapsed_ms=(time.perf_counter() - started) * 1000,
                max_records=self.config.max_records,
                max_value_length=self.config.max_value_length,
            )
            return ServerProbe(
                host=host, address=address, query=query, authoritative=raw.authoritative
            )

        return tuple(await asyncio.gather(*(probe(host, address) for host, address in targets)))

    async def signals(self, domain: str, names: Sequence[str]) -> tuple[SignalEvidence, ...]:
        """The TXT names under ``domain`` where vendors show; ``names`` get their
        _acme-challenge asked. Only answers that show something are kept."""
        asked = [
            *(
                (f"{selector}._domainkey.{domain}", Signal.DKIM)
                for selector in self.config.dkim_selectors
            ),
            *((f"{label}.{domain}", signal) for label, signal in MAIL_POLICY_NAMES),
            *((f"_acme-challenge.{name}", Signal.ACME_CHALLENGE) for name in names),
        ]
        queries = await asyncio.gather(*(self.lookup(name, "TXT") for name, _ in asked))
        return tuple(
            SignalEvidence(signal=signal, query=query)
            for (_, signal), query in zip(asked, queries, strict=True)
            if _shows(query)
        )

    async def record(self, name: str) -> SignalEvidence:
        """A record name the inventory gives: asked and kept whatever the answer. A service
        name (``_sip._tls.example.org``) is asked for its SRV, any other for its TXT."""
        labels = name.split(".")
        rdtype = "SRV" if len(labels) > 2 and labels[1] in _SRV_PROTOCOLS else "TXT"
        return SignalEvidence(signal=Signal.RECORD, query=await self.lookup(name, rdtype))

    async def delegation(self, domain: str) -> DnsQuery:
        """The parent zone's NS set for ``domain``, asked of the parent's servers directly."""
        started = time.perf_counter()
        labels = domain.split(".")
        servers: list[str] = []
        for depth in range(1, len(labels)):
            parent = ".".join(labels[depth:])
            parent_ns = await self.lookup(parent, "NS")
            hosts = [r.value.rstrip(".").lower() for r in parent_ns.records if r.rtype == "NS"]
            if hosts:
                self.parent_servers.update(hosts[:_PARENT_SERVERS])
                resolved = await asyncio.gather(*(self.host(h) for h in hosts[:_PARENT_SERVERS]))
                servers = [a for host in resolved for a in host.addresses]
                break
        raw = await self.backend.referral(domain, servers)
        outcome = _classify(raw, any(r.rtype == "NS" for r in raw.records))
        return make_query(
            domain,
            "NS",
            outcome,
            raw,
            [],
            raw.records,
            attempts=raw.attempts,
            elapsed_ms=(time.perf_counter() - started) * 1000,
            max_records=self.config.max_records,
            max_value_length=self.config.max_value_length,
        )

    async def domain(self, domain: str) -> DomainEvidence:
        soa, ns, delegation, mx, txt, dmarc, caa = await asyncio.gather(
            self.lookup(domain, "SOA"),
            self.lookup(domain, "NS"),
            self.delegation(domain),
            self.lookup(domain, "MX"),
            self.lookup(domain, "TXT"),
            self.lookup(f"_dmarc.{domain}", "TXT"),
            self.lookup(domain, "CAA"),
        )
        ns_hosts = target_names(ns)
        delegated_ns_hosts = target_names(delegation)
        mx_hosts = target_names(mx)
        srv_queries = await asyncio.gather(
            *(self.lookup(f"{label}.{domain}", "SRV") for label in self.config.srv_names)
        )
        srv = tuple(
            SrvEvidence(query=q, targets=tuple(target_names(q)))
            for q in srv_queries
            if q.outcome is not Outcome.NXDOMAIN
        )
        probed = [domain, *(f"{label}.{domain}" for label in self.config.subdomains)]
        wanted = [
            *ns_hosts,
            *delegated_ns_hosts,
            *mx_hosts,
            *(t for s in srv for t in s.targets),
            *probed,
        ]
        results = await asyncio.gather(*(self.host(name) for name in dict.fromkeys(wanted)))
        by_name = {h.hostname: h for h in results}
        subdomains = tuple(n for n in probed if _exists(by_name[n]))
        servers = [by_name[h] for h in dict.fromkeys([*ns_hosts, *delegated_ns_hosts])]
        spf, signals, server_probes = await asyncio.gather(
            self.spf(domain, txt),
            self.signals(domain, subdomains),
            self.server_probes(domain, servers),
        )
        transfers, transferred = (
            await self.transfers(domain, server_probes) if self.zone_transfers else ((), ())
        )
        return DomainEvidence(
            domain=domain,
            soa=soa,
            ns=ns,
            delegation=delegation,
            mx=mx,
            txt=txt,
            dmarc=dmarc,
            caa=caa,
            spf=spf,
            srv=srv,
            signals=signals,
            subdomains=subdomains,
            ns_hosts=tuple(ns_hosts),
            delegated_ns_hosts=tuple(delegated_ns_hosts),
            server_probes=server_probes,
            zone_transfers=transfers,
            transferred_hosts=transferred,
            mx_hosts=tuple(mx_hosts),
        )

    async def transfers(
        self, domain: str, probes: Sequence[ServerProbe]
    ) -> tuple[tuple[ZoneTransfer, ...], tuple[str, ...]]:
        """AXFR of ``domain`` from each name server address the probes asked, and the host
        names of the zones that came back (``discover`` resolves them with source axfr)."""
        from cloudaudit.discovery.axfr import TransferLimits, names_from_transfers, transfer

        limits = TransferLimits.from_config(self.config)

        async def attempt(host: str, address: str) -> Transferred:
            async with self.transfer_slots:
                return await transfer(domain, host, address, limits)

        targets = dict.fromkeys((probe.host, probe.address) for probe in probes)
        results = await asyncio.gather(*(attempt(host, address) for host, address in targets))
        names = names_from_transfers(results)
        return tuple(result.attempt for result in results), tuple(names)

    async def spf(self, domain: str, txt: DnsQuery) -> SpfEvidence | None:
        record, _ = spf_record(txt)
        if record is None:
            return None
        visited = {domain}
        lookups = 0
        senders: list[str] = []

        async def node(name: str, query: DnsQuery, mechanism: str, depth: int) -> SpfNode:
            nonlocal lookups
            text, error = spf_record(query)
            if text is None:
                return SpfNode(domain=name, query=query, mechanism=mechanism, error=error)
            terms = spf_terms(text)
            lookups += terms.lookups
            errors = [*([error] if error else []), *terms.errors]
            children: list[SpfNode] = []
            for child_mechanism, target in terms.follow:
                senders.append(target)
                if target in visited:
                    errors.append(f"{child_mechanism}:{target} loops back; not followed again")
                    continue
                if depth >= _SPF_MAX_DEPTH or lookups > 2 * self.config.spf_lookup_limit:
                    errors.append(f"{child_mechanism}:{target} not followed: lookup limit")
                    continue
                visited.add(target)
                child_query = await self.lookup(target, "TXT")
                children.append(await node(target, child_query, child_mechanism, depth + 1))
            return SpfNode(
                domain=name,
                query=query,
                record=text,
                mechanism=mechanism,
                children=tuple(children),
                error="; ".join(errors) or None,
            )

        tree = await node(domain, txt, "root", 0)
        return SpfEvidence(
            tree=tree,
            lookup_count=lookups,
            exceeds_lookup_limit=lookups > self.config.spf_lookup_limit,
            senders=tuple(dict.fromkeys(senders)),
        )


@dataclass(slots=True)
class _HopWalk:
    hops: list[CnameHop]
    data: list[RawRecord]
    outcome: Outcome
    detail: str
    raw: RawAnswer
    attempts: int


def _classify(raw: RawAnswer, has_data: bool) -> Outcome:
    """NOERROR without data of the asked type is NODATA (RFC 2308), with data an answer."""
    if raw.outcome is Outcome.ANSWER:
        return Outcome.ANSWER if has_data else Outcome.NODATA
    return raw.outcome


async def bounded(
    items: Sequence[T],
    limit: int,
    work: Callable[[T], Awaitable[R]],
    done: Callable[[], None] = lambda: None,
) -> list[R]:
    """``work`` on every item, at most ``limit`` at a time, results in item order.

    A fixed set of consumers pulls items, so a scan of 100,000 names holds ``limit`` pending
    tasks, not 100,000 (which would cost more memory than the evidence itself).
    """
    results: list[R | None] = [None] * len(items)
    positions = iter(range(len(items)))

    async def consume() -> None:
        for position in positions:
            results[position] = await work(items[position])
            done()

    await asyncio.gather(*(consume() for _ in range(max(1, min(limit, len(items))))))
    return cast(list[R], results)


def _endpoint_hosts(inventory: Inventory) -> list[str]:
    """The services' host names to resolve, each once, in inventory order (IPs need none)."""
    return list(
        dict.fromkeys(
            e.host for s in inventory.services for e in s.endpoints if e.kind is not EndpointKind.IP
        )
    )


def _shows(query: DnsQuery) -> bool:
    """A signal worth keeping: data, a CNAME, or a failure (its truth unknown)."""
    return bool(query.records or query.cname_chain) or query.outcome.is_failure


def _exists(host: HostEvidence) -> bool:
    """A probed name exists when it has data, a CNAME, or its fate is unknown (failure)."""
    return any(
        q.records or q.cname_chain or q.outcome not in (Outcome.NXDOMAIN, Outcome.OFFLINE)
        for q in (host.a, host.aaaa)
    )


def _with_enumerated(
    walked: Sequence[DomainEvidence],
    findings: Mapping[str, DomainFindings],
    found: NameSources,
    resolved: Mapping[str, HostEvidence],
    endpoints: set[str],
) -> tuple[DomainEvidence, ...]:
    """Each domain with what the web sources said about it, and the enumerated names under
    it that exist among its subdomains (inventory endpoints are attributed as such)."""
    apexes = {d.domain for d in walked}
    joined: dict[str, list[str]] = {}
    for name in found:
        host = resolved.get(name)
        apex = apex_of(name, apexes)
        if apex is not None and name not in endpoints and host is not None and _exists(host):
            joined.setdefault(apex, []).append(name)
    domains = []
    for domain in walked:
        finding = findings.get(domain.domain)
        names = joined.get(domain.domain, [])
        update: dict[str, Any] = {}
        if names:
            update["subdomains"] = tuple(dict.fromkeys([*domain.subdomains, *sorted(names)]))
        if finding is not None:
            update |= {"ct": finding.ct, "well_known": finding.well_known}
        domains.append(domain.model_copy(update=update) if update else domain)
    return tuple(domains)


def _name_sources(
    hosts: Mapping[str, HostEvidence],
    domains: Sequence[DomainEvidence],
    found: NameSources,
    endpoints: set[str],
    parent_servers: set[str],
    config: ScanConfig,
) -> dict[str, tuple[NameSource, ...]]:
    """Every source of every host name, added to ``found`` (its last use). A zone audit turns
    the zone's owners into the inventory's services: those show as ``zone``, not
    ``inventory``."""
    found.add(NameSource.INVENTORY, (n for n in endpoints if not found.has(n, NameSource.ZONE)))
    for domain in domains:
        found.add(NameSource.APEX, (domain.domain,))
        found.add(NameSource.GUESS, (f"{label}.{domain.domain}" for label in config.subdomains))
        found.add(NameSource.NS, (*domain.ns_hosts, *domain.delegated_ns_hosts))
        found.add(NameSource.MX, domain.mx_hosts)
        found.add(NameSource.SRV, (target for srv in domain.srv for target in srv.targets))
    found.add(NameSource.PARENT_NS, parent_servers)
    return {name: found.of(name) for name in hosts}


async def discover(
    inventory: Inventory,
    config: ScanConfig,
    backend: DnsBackend,
    progress: ProgressCallback | None = None,
    source: str = "dns",
    helpers: int = 0,
    enumerated: Mapping[NameSource, Iterable[str]] | None = None,
    enumeration_progress: ProgressCallback | None = None,
) -> ScanEvidence:
    """Walk every domain and resolve every endpoint of ``inventory``.

    With ``helpers``, endpoint host names left after the domain walk are shared with that many
    helper processes (network scans only; see ``parallel``). ``enumerated`` gives host names
    found by other means (a zone file's owners), by source; network scans add those of
    certificate transparency and /.well-known (``enumeration_progress`` counts domains).
    """
    from cloudaudit.discovery.enumeration import enumerate_domains
    from cloudaudit.discovery.parallel import Helpers, HostShard, split

    started_at = datetime.now(UTC)
    started = time.perf_counter()
    # Zone-file audits never transfer: there is no server to ask.
    walker = Discovery(backend, config, zone_transfers=config.axfr and source != "zone")
    endpoint_hosts = _endpoint_hosts(inventory)
    endpoints = set(endpoint_hosts)
    # Host names found beyond the walk, each with its sources. Every source of names (zone
    # owners, certificate transparency, /.well-known, zone transfers) adds them here with
    # ``found.add(source, names)`` before host resolution: they are resolved like endpoints,
    # recorded with their sources, and those that exist join their domain's subdomains.
    found = NameSources(enumerated)
    total = len(inventory.domains) + len(endpoint_hosts)
    done = 0
    domain_limit, host_limit = max(4, config.concurrency // 8), config.concurrency

    def advance(count: int = 1) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    async def helped(pool: Helpers, index: int) -> HostShard | None:
        shard = await pool.result(index)
        if shard is None:  # the helper failed: resolve its share here, lose nothing
            recovered.extend(
                await bounded(pool.shares[index], host_limit, walker.endpoint_host, advance)
            )
            return None
        advance(len(shard.hosts))
        return shard

    shards: list[HostShard] = []
    recovered: list[HostEvidence] = []  # shares of failed helpers, resolved here
    pool: Helpers | None = None
    try:
        domain_results, findings = await asyncio.gather(
            bounded(inventory.domains, domain_limit, walker.domain, advance),
            # The web sources are asked while the walk runs; zone-file audits ask nothing.
            enumerate_domains(
                inventory.domains if source != "zone" else (), config, enumeration_progress
            ),
        )
        for finding in findings.values():
            found.add(NameSource.CT, finding.ct.names if finding.ct else ())
            found.add(NameSource.WELL_KNOWN, (w.host for w in finding.well_known if w.host))
        for domain_result in domain_results:
            found.add(NameSource.AXFR, domain_result.transferred_hosts)
        remaining = [h for h in endpoint_hosts if h not in walker.hosts.done]
        walker.hosts.hits += len(endpoint_hosts) - len(remaining)  # answered by the walk
        advance(len(endpoint_hosts) - len(remaining))
        shares = split(remaining, helpers + 1) if helpers else [remaining]
        if len(shares) > 1:
            pool = Helpers(shares[1:], config)
            await pool.start()
        outcomes = await asyncio.gather(
            bounded(shares[0], host_limit, walker.endpoint_host, advance),
            *(helped(pool, index) for index in range(len(shares) - 1) if pool),
        )
        own_hosts = cast(list[HostEvidence], outcomes[0])
        shards = [shard for shard in outcomes[1:] if isinstance(shard, HostShard)]
        extra = [n for n in found if n not in endpoints and n not in walker.hosts.done]
        total += len(extra)
        await bounded(extra, host_limit, walker.host, advance)
        records = await bounded(inventory.record_names, host_limit, walker.record)
    finally:
        if pool is not None:
            pool.close()
        await backend.close()
    helped_hosts = [host for shard in shards for host in shard.hosts]
    resolved_here = [*own_hosts, *recovered]
    walker.hosts.done.update((host.hostname, host) for host in [*resolved_here, *helped_hosts])
    domains = _with_enumerated(domain_results, findings, found, walker.hosts.done, endpoints)
    probed = {f"{label}.{d.domain}" for d in domains for label in config.subdomains}
    probed |= {d.domain for d in domains}
    hosts: dict[str, HostEvidence] = {}
    for name, host in sorted(walker.hosts.done.items()):
        if name in probed and not _exists(host) and name not in endpoints and name not in found:
            continue  # a probe that found nothing is not a host of the estate
        hosts[name] = host
    http_probes: tuple[HttpProbe, ...] = ()
    if config.takeover_probes and source != "zone":
        from cloudaudit.discovery.http_probe import probe_hosts, probe_targets

        own = [hosts[name] for name in sorted(endpoints | probed | set(found)) if name in hosts]
        targets = probe_targets(own, config.takeover_probes)
        http_probes = await probe_hosts(targets, config) if targets else ()
    queries = list(walker.lookups.done.values())
    queries += [
        query
        for host in helped_hosts
        for query in (host.a, host.aaaa, host.acme_challenge)
        if query is not None
    ]
    sent = int(getattr(backend, "queries_sent", len(walker.lookups.done)))
    return ScanEvidence(
        tool_version=__version__,
        started_at=started_at,
        finished_at=datetime.now(UTC),
        resolvers=tuple(sorted({q.resolver for q in queries if q.resolver})),
        source=source,
        inventory=inventory,
        domains=domains,
        hosts=hosts,
        records=tuple(records),
        http_probes=http_probes,
        name_sources=_name_sources(hosts, domains, found, endpoints, walker.parent_servers, config),
        stats=ScanStats(
            queries=sent + sum(shard.totals.queries_sent for shard in shards),
            cache_hits=walker.cache_hits + sum(shard.totals.cache_hits for shard in shards),
            failures=sum(1 for q in queries if q.outcome.is_failure),
            elapsed_s=round(time.perf_counter() - started, 3),
        ),
    )


def run_scan(
    inventory: Inventory,
    config: ScanConfig,
    *,
    zones: list[dns.zone.Zone] | None = None,
    progress: ProgressCallback | None = None,
    enumeration_progress: ProgressCallback | None = None,
) -> ScanEvidence:
    """Synchronous entry point: a network scan, or an offline one when ``zones`` are given.

    Ctrl-C propagates as KeyboardInterrupt after the loop is cancelled; nothing is returned,
    so the caller writes no partial output.
    """
    from cloudaudit.discovery.network import NetworkBackend
    from cloudaudit.discovery.parallel import MIN_HOSTS_FOR_HELPERS, share_config
    from cloudaudit.discovery.zonefile import ZoneBackend
    from cloudaudit.inventory.load import zone_hosts

    results: list[ScanEvidence] = []

    async def main() -> None:
        backend: DnsBackend
        if zones:
            backend = ZoneBackend(zones)
            owners = {NameSource.ZONE: [name for zone in zones for name in zone_hosts(zone)]}
            results.append(
                await discover(
                    inventory, config, backend, progress, source="zone", enumerated=owners
                )
            )
            return
        many = len(_endpoint_hosts(inventory)) >= MIN_HOSTS_FOR_HELPERS
        processes = config.workers if many else 1
        own = share_config(config, processes)
        backend = NetworkBackend.from_config(own)
        results.append(
            await discover(
                inventory,
                own,
                backend,
                progress,
                helpers=processes - 1,
                enumeration_progress=enumeration_progress,
            )
        )

    # The evidence is handed out beside the task, not as its result: on Python 3.11,
    # asyncio.run ends by formatting the main task's repr (through signal.getsignal), which
    # would render the whole evidence, seconds of work and memory on a large scan.
    with fewer_collections():
        asyncio.run(main())
    return results[0]


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect young objects less often while a scan builds evidence.

    Every answer adds long-lived objects; at the default threshold the collector keeps
    re-walking them and costs a third of a large scan's time. Cycles are still collected.
    """
    previous = gc.get_threshold()
    gc.set_threshold(20_000, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)
