"""A stand-in GLEIF API on loopback, answering with the JSON:API documents in data/gleif/.

The documents follow the shape the GLEIF API documents (``lei-records`` collections and
resources, ``reporting-exceptions``); their LEIs are made up (prefix 9999000TEST) and carry
valid check digits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.conftest import ScriptedHandler, serve_http

DATA = Path(__file__).parent / "data" / "gleif"
PREFIX = "/api/v1"
NAME_FILTER = "filter[entity.legalName]"

ACME = "9999000TESTACME00178"
ACME_PARENT = "9999000TESTACME0HQ10"
GLOBEX = ("9999000TESTGLOBEX150", "9999000TESTGLOBEX247")
INITECH = "9999000TESTINITECH65"
UMBRELLA = "9999000TESTUMBRELA21"
IONOS = "9999000TESTIONOS0180"
IONOS_PARENT = "9999000TESTIONOSHQ16"
OVH = "9999000TESTOVHSAS115"


@dataclass(frozen=True)
class Reply:
    status: int
    file: str
    headers: tuple[tuple[str, str], ...] = ()

    def body(self) -> bytes:
        return (DATA / self.file).read_bytes()


def ok(file: str) -> list[Reply]:
    return [Reply(200, file)]


@dataclass
class GleifApi:
    """Replies by legal name asked (searches) or by path below /api/v1 (parents), served in
    turn with the last one repeated; any other name finds nothing and any other path is 404.
    ``asked`` is every path and query received, in order."""

    names: dict[str, list[Reply]] = field(default_factory=dict)
    paths: dict[str, list[Reply]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def reply(self, target: str) -> Reply:
        self.asked.append(target)
        split = urlsplit(target)
        path = split.path.removeprefix(PREFIX)
        if path == "/lei-records":
            name = parse_qs(split.query).get(NAME_FILTER, [""])[0]
            queue = self.names.get(name, [Reply(200, "search-none.json")])
        else:
            queue = self.paths.get(path, [Reply(404, "not-found.json")])
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def serve(self) -> Iterator[str]:
        """Serve on 127.0.0.1; yields the API base URL (``http://127.0.0.1:PORT/api/v1``)."""
        api = self

        class Handler(ScriptedHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                answer = api.reply(self.path)
                self.reply(answer.status, answer.body(), "application/vnd.api+json", answer.headers)

        server = serve_http(Handler)
        try:
            yield next(server) + PREFIX
        finally:
            next(server, None)  # runs serve_http's shutdown
