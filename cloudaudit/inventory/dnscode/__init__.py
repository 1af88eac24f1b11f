"""DNS-as-code import: zones kept as octoDNS, DNSControl, Terraform or provider exports.

Each format has its own module with a pure parser from a file's text to a ``DnsCodeImport``
(``dns.zone.Zone`` objects, provider aliases, notes); ``load_zone_source`` picks the parser by
the file's content and extension, or by an explicit format for the ambiguous cases.
"""

#: Every value ``--zone-format`` takes (here, so the command line lists them without importing
#: the parsers).
FORMATS = (
    "bind",
    "octodns",
    "octodns-config",
    "dnscontrol",
    "terraform",
    "route53",
    "cloudflare",
    "azure",
)
