"""Every output format renders every document type; the canonical report is pinned by golden files."""

from __future__ import annotations

import csv
import difflib
import io
import json
import os
import re
import shutil
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pydantic import BaseModel

from cloudaudit.analysis.estate import Estate
from cloudaudit.analysis.simulate import load_incidents, simulate
from cloudaudit.attribution.models import LookupResult
from cloudaudit.attribution.paths import data_dir
from cloudaudit.attribution.ranges import read_snapshot
from cloudaudit.attribution.status import ranges_status
from cloudaudit.errors import InputError
from cloudaudit.report.formats import OutputFormat, render
from cloudaudit.report.views import _VIEWS
from tests.report.sample import HOSTILE_ATTRIBUTE, HOSTILE_TXT, sample_report

GOLDEN = Path(__file__).parent / "golden"
REPORT = sample_report()


def _documents() -> dict[str, BaseModel]:
    estate = Estate.build(REPORT.evidence.inventory, REPORT.attribution)
    incident = load_incidents()["aws-us-east-1-2025-10-20"]
    return {
        "report": REPORT,
        "evidence": REPORT.evidence,
        "simulation": simulate(
            estate, incident.scope, scenario=incident.id, description=incident.name
        ),
        "lookup": LookupResult(
            tool_version="0",
            snapshot=REPORT.attribution.snapshot,
            results=REPORT.attribution.services[0].endpoints,
            providers=REPORT.attribution.providers,
        ),
        "ranges": ranges_status(read_snapshot(data_dir()).manifest, data_dir()),
    }


def test_every_document_type_has_a_view() -> None:
    assert {type(d) for d in _documents().values()} == set(_VIEWS)


@pytest.mark.parametrize("fmt", list(OutputFormat))
@pytest.mark.parametrize("name", ["report", "evidence", "simulation", "lookup", "ranges"])
def test_every_format_renders_every_document(fmt: OutputFormat, name: str) -> None:
    output = render(_documents()[name], fmt)
    assert output.strip()


@pytest.mark.parametrize(
    ("fmt", "suffix", "section"),
    [
        (OutputFormat.TABLE, "txt", None),
        (OutputFormat.MARKDOWN, "md", None),
        (OutputFormat.HTML, "html", None),
        (OutputFormat.JSON, "json", None),
        (OutputFormat.CSV, "csv", None),
        (OutputFormat.CSV, "register.csv", "register"),
    ],
)
def test_golden(fmt: OutputFormat, suffix: str, section: str | None) -> None:
    output = render(REPORT, fmt, csv_section=section)
    path = GOLDEN / f"report.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(output, encoding="utf-8")
    expected = path.read_text(encoding="utf-8")
    if output != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                output.splitlines(keepends=True),
                fromfile=str(path),
                tofile="rendered",
                n=2,
            )
        )
        pytest.fail(f"{path.name} differs (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}")


def test_json_round_trips_and_keeps_every_boolean() -> None:
    data = json.loads(render(REPORT, "json"))
    assert data["complete"] is True
    endpoint = data["attribution"]["services"][0]["endpoints"][0]
    assert endpoint["dns_failed"] is False and "attributed" in endpoint
    assert all("is_global" in layer for layer in endpoint["layers"])
    assert type(REPORT).model_validate(data) == REPORT


def test_csv_parses_back_and_defuses_formulas() -> None:
    rows = list(csv.reader(io.StringIO(render(REPORT, "csv", csv_section="register"))))
    assert rows[0][:3] == ["Service", "Criticality", "Provider"]
    assert any(row[2] == "Amazon Web Services" for row in rows[1:])
    with pytest.raises(InputError, match="no CSV section 'nope'"):
        render(REPORT, "csv", csv_section="nope")
    from cloudaudit.report.document import Document, Section
    from cloudaudit.report.formats import csv as csv_format

    document = Document(
        title="t", sections=(Section("s", ("a",), (("=HYPERLINK(1)",),), key="s"),), primary="s"
    )
    assert csv_format.render(document).splitlines()[1] == "'=HYPERLINK(1)"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escapes_dns_data() -> None:
    html = render(REPORT, "html")
    parser = _Collector()
    parser.feed(html)
    tags = [tag for tag, _ in parser.tags]
    assert "script" not in tags and "img" not in tags
    assert not any(
        (attrs.get("src") or attrs.get("href") or "").startswith(("http", "//"))
        for _, attrs in parser.tags
    )
    text = "".join(parser.text)
    assert HOSTILE_TXT in text  # shown, as text
    assert "svg" in tags  # concentration charts are inline SVG
    assert "default-src 'none'" in html


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_html_in_a_real_browser(tmp_path: Path) -> None:
    # Given the report with a hostile TXT record, opened in headless Chromium
    page = tmp_path / "report.html"
    page.write_text(render(REPORT, "html"), encoding="utf-8")
    assert CHROMIUM is not None
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=2000",
    ]  # fmt: skip
    dom = subprocess.run(
        [*command, "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    # Then what it shows is the report, with the payload as text and never executed
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and "pwned" not in title.group(1)
    assert "Concentration risk report: Brightwater Logistik GmbH" in dom
    assert "SPOF-PROVIDER-001" in dom and "Register of information" in dom
    assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "<img" not in dom
    # And the board's pictures are there: charts at a glance and the dependency picture
    assert 'id="at-a-glance"' in dom and 'id="dependency-picture"' in dom
    assert dom.count("<svg") >= 2 * len(REPORT.concentration) + 1
    screenshot = tmp_path / "report.png"
    shot = subprocess.run(
        [*command, "--enable-logging=stderr", "--v=0", f"--screenshot={screenshot}",
         "--window-size=1280,2000", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    # Then the page renders (a PNG with real content) without a console error or a blocked load
    assert _png_has_content(screenshot.read_bytes())
    console = [line for line in shot.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "Content Security Policy" not in shot.stderr
    assert HOSTILE_ATTRIBUTE  # the attribute break-out is in the sample too


def _png_has_content(data: bytes) -> bool:
    """A PNG whose pixels are not all one colour: text and charts were drawn."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, idat = 8, b""
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    pixels = zlib.decompress(idat)
    return len(set(pixels)) > 32 and pixels.count(255) < 0.99 * len(pixels)


def test_html_loads_nothing_from_outside() -> None:
    html = render(REPORT, "html")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    assert "script-src" not in policy.group(1)
    # Every URL in the page is inside escaped text, none in an attribute or a CSS url()
    parser = _Collector()
    parser.feed(html)
    for _, attributes in parser.tags:
        for name, value in attributes.items():
            if name != "xmlns":
                assert not re.search(r"(https?:)?//", value or ""), (name, value)
    assert "url(" not in html and "@import" not in html
