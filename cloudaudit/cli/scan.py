"""``cloudaudit scan``: walk domains and services over DNS (or zone files) and report."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from cloudaudit.cli.common import (
    Progress,
    analysis_options,
    full_option,
    handle_errors,
    note,
    quiet_option,
    report_format_option,
    report_output_option,
)
from cloudaudit.inventory.dnscode import FORMATS as ZONE_FORMATS

if TYPE_CHECKING:
    from cloudaudit.discovery.models import ScanEvidence
    from cloudaudit.inventory.models import Inventory
    from cloudaudit.report.schema import AuditReport


@click.command()
@click.argument("domains", nargs=-1)
@click.option(
    "-i",
    "--inventory",
    "inventory_path",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Inventory file (TOML, YAML or JSON); '-' reads stdin.",
)
@click.option(
    "--domains-file",
    type=click.Path(dir_okay=False, allow_dash=True),
    help="Plain list of domains, one per line ('#' comments); '-' reads stdin.",
)
@click.option(
    "--zone",
    "zone_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True),
    help="Zone to audit offline, before it is deployed (repeatable): a BIND zone file, an "
    "octoDNS zone file or config, `dnscontrol print-ir` JSON, `terraform show -json` output, "
    "or a Route 53, Cloudflare or Azure DNS export.",
)
@click.option(
    "--zone-format",
    type=click.Choice(ZONE_FORMATS),
    help="Format of every --zone file when its extension and content leave it ambiguous.",
)
@click.option(
    "--resolver",
    "resolvers",
    multiple=True,
    metavar="IP[:PORT]",
    help="Recursive resolver to ask (repeatable). Default: the system's resolvers.",
)
@click.option("--timeout", default=2.0, show_default=True, help="Seconds per DNS query.")
@click.option("--retries", default=2, show_default=True, help="Extra attempts after a timeout.")
@click.option("--concurrency", default=256, show_default=True, help="DNS queries in flight.")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    help="Processes resolving large host lists (1000+ names). Default: one per CPU core, at "
    "most 4; 1 leaves the cores to a resolver running on the same machine.",
)
@click.option("--rate-limit", type=float, metavar="QPS", help="Cap on DNS queries per second.")
@click.option(
    "--no-http-probes",
    is_flag=True,
    help="Do not ask over HTTP whether names that CNAME to a vendor show its page for a "
    "deprovisioned resource (one request per such name; never with --offline or --zone).",
)
@click.option(
    "--no-acme-challenge",
    is_flag=True,
    help="Do not ask _acme-challenge.<name> of every endpoint (one query per host less on a "
    "large inventory; apexes and probed names are still asked).",
)
@click.option(
    "--axfr",
    is_flag=True,
    help="Also ask every name server of each domain for a zone transfer (AXFR); a zone handed "
    "out is a finding and its names join the scan. Off by default: it looks intrusive "
    "(never with --offline or --zone).",
)
@click.option(
    "--ct/--no-ct",
    "ct",
    default=None,
    help="Ask a certificate-transparency search service for every name certificates were "
    "issued for under each domain, and resolve them. Default: on for DNS scans, off with "
    "--offline or --zone.",
)
@click.option(
    "--ct-service",
    type=click.Choice(["crtsh", "certspotter"]),
    default="crtsh",
    show_default=True,
    help="Which service: crt.sh's JSON API or Cert Spotter's issuances API.",
)
@click.option("--ct-url", metavar="URL", help="Base URL of the service (a mirror or a proxy).")
@click.option(
    "--ct-max-names",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Names kept per domain; a domain with more is finding SCAN-CT-001.",
)
@click.option(
    "--no-well-known",
    is_flag=True,
    help="Do not fetch https://<domain>/.well-known/matrix/{server,client} to find where the "
    "domain's Matrix service is delegated (never with --offline or --zone).",
)
@click.option(
    "--evidence-only",
    is_flag=True,
    help="Stop after discovery: write the DNS evidence, not the analysed report.",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="CLOUDAUDIT_DB",
    help="History database (default: $CLOUDAUDIT_DB or the user data directory).",
)
@click.option("--no-history", is_flag=True, help="Do not record this scan in the history.")
@click.option(
    "--lock-timeout",
    default=600.0,
    show_default=True,
    help="Seconds to wait while another scan writes the same history.",
)
@click.option(
    "--prometheus",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write node_exporter textfile metrics here (atomically).",
)
@click.option(
    "--notify",
    "notify_url",
    metavar="URL",
    help="POST a JSON summary of new findings here (retried; failure is only logged).",
)
@analysis_options
@report_format_option
@full_option
@report_output_option
@quiet_option
@handle_errors
def scan(
    domains: tuple[str, ...],
    inventory_path: str | None,
    domains_file: str | None,
    zone_files: tuple[str, ...],
    zone_format: str | None,
    resolvers: tuple[str, ...],
    timeout: float,
    retries: int,
    concurrency: int,
    workers: int | None,
    rate_limit: float | None,
    no_http_probes: bool,
    no_acme_challenge: bool,
    axfr: bool,
    ct: bool | None,
    ct_service: str,
    ct_url: str | None,
    ct_max_names: int,
    no_well_known: bool,
    evidence_only: bool,
    db_path: Path | None,
    no_history: bool,
    lock_timeout: float,
    prometheus: Path | None,
    notify_url: str | None,
    fail_on: str,
    max_share: tuple[str, ...],
    require_jurisdiction: str | None,
    offline: bool,
    ranges_dir: Path | None,
    csv_section: str | None,
    output_format: str,
    full: bool,
    output: Path | None,
    quiet: bool,
) -> None:
    """Scan an organisation's domains and services and report its concentration risk.

    \b
    Examples:
      cloudaudit scan example.com example.org
      cloudaudit scan -i inventory.toml --format html -o report.html
      cloudaudit scan --zone examples/zones/brightwater-logistik.example.zone
      cloudaudit scan --zone examples/dnscode/terraform-show.json --offline
      cloudaudit scan --domains-file domains.txt --resolver 9.9.9.9 --format json
      echo example.com | cloudaudit scan --domains-file -

    Every DNS lookup ends in a typed outcome kept as evidence (answer, nxdomain, nodata,
    servfail, refused, timeout, cname_loop, chain_too_long...); failures never stop a scan.
    The output file is written only when the scan finished.
    """
    from cloudaudit.cli.pipeline import takeover_probes
    from cloudaudit.discovery.config import CtConfig, ScanConfig
    from cloudaudit.discovery.models import CtService
    from cloudaudit.discovery.runner import run_scan
    from cloudaudit.errors import InputError
    from cloudaudit.inventory.load import (
        inventory_from_domains,
        inventory_from_zones,
        load_domain_list,
        load_inventory,
    )

    inventory: Inventory | None = None
    if inventory_path:
        inventory = load_inventory(inventory_path)
    if domains_file:
        listed = load_domain_list(domains_file)
        inventory = _merge(inventory, listed.domains) if inventory else listed
    if domains:
        inventory = (
            _merge(inventory, inventory_from_domains(domains).domains)
            if inventory
            else inventory_from_domains(domains)
        )
    zones = None
    if zone_files:
        inventory, zones = inventory_from_zones(zone_files, inventory, zone_format)
        for message in inventory.notes:
            note(f"note: {message}", quiet)
    if inventory is None or not (inventory.domains or inventory.services):
        raise InputError("nothing to scan: give domains, --inventory, --domains-file or --zone")

    live = not offline and not zone_files
    if ct and not live:
        note("note: --ct is ignored with --offline and --zone (no requests are made)", quiet)
    config = ScanConfig(
        resolvers=resolvers,
        timeout=timeout,
        retries=retries,
        concurrency=concurrency,
        rate_limit=rate_limit,
        acme_challenge=not no_acme_challenge,
        # An HTTP probe is a web request too: never under --offline or in zone-file audits.
        takeover_probes=takeover_probes() if live and not no_http_probes else (),
        # The web sources of names (certificate transparency, /.well-known) are network
        # requests: never under --offline, and a zone-file audit is about the file.
        ct=CtConfig(service=CtService(ct_service), url=ct_url, max_names=ct_max_names)
        if live and ct is not False
        else None,
        well_known=live and not no_well_known,
        # Zone transfers are asked of the domains' own servers: never under --offline, and a
        # zone-file audit has no server to ask.
        axfr=axfr and live,
    )
    if workers:
        config = config.model_copy(update={"workers": workers})
    progress = Progress(quiet)

    phases = {"scan": "", "names": ""}

    def show(phase: str, text: str) -> None:
        phases[phase] = text
        progress(", ".join(text for text in phases.values() if text))

    def discover() -> ScanEvidence:
        evidence = run_scan(
            inventory,
            config,
            zones=zones,
            progress=lambda done, total: show("scan", f"scanned {done}/{total}"),
            enumeration_progress=lambda done, total: show(
                "names", f"certificate transparency and .well-known {done}/{total} domains"
            ),
        )
        progress.done()
        note(
            f"scanned {len(evidence.domains)} domains, {len(evidence.hosts)} hosts with "
            f"{evidence.stats.queries} queries in {evidence.stats.elapsed_s:.1f}s "
            f"({evidence.stats.failures} failed lookups)",
            quiet,
        )
        for line in source_lines(evidence):
            note(line, quiet)
        return evidence

    if output_format == "dora" and (evidence_only or output is None or str(output) == "-"):
        # Checked before any query: the package is several files of the analysed report.
        raise InputError(
            "--format dora writes the analysed report into -o DIRECTORY (not --evidence-only)",
            field="--format",
        )
    if evidence_only:
        from cloudaudit.cli.common import write_output
        from cloudaudit.report.formats import render_chunks

        write_output(render_chunks(discover(), output_format, csv_section=csv_section), output)
        return
    from cloudaudit.cli.pipeline import analyse_evidence, finish, policy_from_options

    policy = policy_from_options(fail_on, max_share, require_jurisdiction)
    if no_history:
        report = analyse_evidence(
            discover(), policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
        )
        previous = None
    else:
        from cloudaudit.history.store import HistoryStore, default_db_path, scan_lock

        path = db_path or default_db_path()
        with HistoryStore.open(path) as store, scan_lock(path, lock_timeout):
            scan_id = store.begin_scan(inventory.digest, inventory.organisation, datetime.now(UTC))
            report = analyse_evidence(
                discover(), policy=policy, offline=offline, ranges_dir=ranges_dir, quiet=quiet
            )
            store.finish_scan(scan_id, report)
            earlier = store.previous_scan(scan_id, inventory.digest)
            previous = store.get_report(earlier) if earlier is not None else None
        note(f"recorded as scan #{scan_id} in {path}", quiet)
    if prometheus:
        from cloudaudit.atomic import write_file_atomically
        from cloudaudit.history.metrics import prometheus_text

        metrics = prometheus_text(report, report.complete, report.evidence.stats.elapsed_s)
        write_file_atomically(prometheus, metrics.encode())
    if notify_url:
        _notify(notify_url, report, previous, quiet)
    finish(
        report,
        policy=policy,
        output_format=output_format,
        output=output,
        csv_section=csv_section,
        quiet=quiet,
        full=full,
    )


def _notify(url: str, report: AuditReport, previous: AuditReport | None, quiet: bool) -> None:
    """Tell a webhook what is new since the previous scan; a failure is logged, never fatal."""
    from cloudaudit.history.diff import new_findings
    from cloudaudit.history.notify import notification, post_with_retries

    new = new_findings(previous, report)
    error = post_with_retries(url, notification(report, new, None))
    if error:
        note(f"warning: notification to {url} failed: {error}", quiet=False)
    else:
        note(f"notified {url} of {len(new)} new findings", quiet)


def source_lines(evidence: ScanEvidence) -> list[str]:
    """What the summary says about where host names came from and what the web sources did."""
    from collections import Counter

    from cloudaudit.discovery.models import NameSource

    counts = Counter(source for sources in evidence.name_sources.values() for source in sources)
    lines = []
    if counts:
        shown = (f"{source.value} {counts[source]}" for source in NameSource if counts[source])
        lines.append("host names by source: " + ", ".join(shown))
    for domain in evidence.domains:
        ct = domain.ct
        if ct is not None:
            resolving = sum(
                1
                for name in ct.names
                if (host := evidence.hosts.get(name)) and (host.addresses or host.cname_chain)
            )
            state = f" ({ct.fetches[-1].outcome.value})" if ct.failed and ct.fetches else ""
            capped = f", capped at {ct.max_names}" if ct.capped else ""
            lines.append(
                f"certificate transparency ({ct.service.value}) for {domain.domain}: "
                f"{len(ct.names)} names{capped}, {resolving} resolve{state}"
            )
        lines.extend(
            f"matrix {document.kind} of {domain.domain} delegated to {document.host}"
            for document in domain.well_known
            if document.host
        )
    return lines


def _merge(inventory: Inventory, domains: tuple[str, ...]) -> Inventory:
    from cloudaudit.inventory.load import with_digest

    merged = tuple(dict.fromkeys([*inventory.domains, *domains]))
    return with_digest(inventory.model_copy(update={"domains": merged}))
