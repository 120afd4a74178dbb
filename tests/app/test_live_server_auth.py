"""Authorization over a real socket: uvicorn parses the header, not a test client.

Requests are written byte for byte, so no HTTP client tidies a header before the server sees it.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import urlsplit

from typer.testing import CliRunner

from catalog.cli import app as cli
from catalog.store.repository import Repository
from tests.accounts import token_of
from tests.app.conftest import shop_files
from tests.live_server import live_server

COMPILE = json.dumps({"metrics": ["gmv"], "grain": "month"})
PUBLISH = json.dumps({"files": shop_files()})
ROUTES = {
    "read": ("GET", "/v1/metrics/gmv", ""),
    "compile": ("POST", "/v1/compile", COMPILE),
    "write": ("POST", "/v1/publish", PUBLISH),
}


def raw_request(
    base: str, method: str, path: str, body: str, headers: list[str]
) -> tuple[int, dict[str, str], str]:
    """Send one HTTP/1.1 request exactly as written; the status, the headers (last of each name) and the body."""
    address = urlsplit(base)
    payload = body.encode("utf-8")
    head = [f"{method} {path} HTTP/1.1", f"Host: {address.netloc}", "Connection: close", *headers]
    if payload:
        head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    with socket.create_connection((address.hostname, address.port), timeout=20) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    top, _, content = received.partition(b"\r\n\r\n")
    status_line, *header_lines = top.decode("latin-1").split("\r\n")
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), fields, content.decode("utf-8")


def test_the_real_server_refuses_malformed_authorization_and_revoked_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    repo = Repository.from_url(url)
    repo.upgrade()
    repo.publish(shop_files(), author="fixture")
    token = token_of(repo, "analyst", "bi")
    repo.engine.dispose()
    malformed = {
        "basic": ["Authorization: Basic dXNlcjpwYXNz"],
        "bare bearer": ["Authorization: Bearer"],
        "bearer with an empty token": ["Authorization: Bearer   "],
        "token without a scheme": [f"Authorization: {token}"],
        "two tokens": [f"Authorization: Bearer {token} {token}"],
        "two headers": [f"Authorization: Bearer {token}", f"Authorization: Bearer {token}"],
        "empty header": ["Authorization:"],
    }
    env = {
        "CALIBER_DATABASE_URL": url,
        "CALIBER_WAREHOUSE_PATH": "",
        "CALIBER_DEFS_PATH": str(tmp_path / "none"),
    }
    with live_server(env, tmp_path) as base:
        for route, (method, path, body) in ROUTES.items():
            anonymous, _, _ = raw_request(base, method, path, body, [])
            assert anonymous == (401 if route == "write" else 200), route
            for name, headers in malformed.items():
                status, fields, content = raw_request(base, method, path, body, headers)
                assert status == 401, (route, name, content)
                assert fields["content-type"] == "application/problem+json", (route, name)
                assert fields["www-authenticate"] == "Bearer", (route, name)
                error = json.loads(content)["errors"][0]
                assert (error["code"], error["location"]) == ("H005", "header.authorization"), (route, name)
                assert "Bearer" in error["hint"], (route, name)

        # The compile is cached for anonymous callers; the token must still be checked on every request.
        valid = [f"Authorization: Bearer {token}"]
        assert raw_request(base, "POST", "/v1/compile", COMPILE, valid)[0] == 200
        revoked = CliRunner().invoke(cli, ["token", "revoke", "bi", "--db", url])
        assert revoked.exit_code == 0, revoked.output
        assert raw_request(base, "POST", "/v1/compile", COMPILE, valid)[0] == 401
        assert raw_request(base, "GET", "/v1/metrics/gmv", "", valid)[0] == 401
        assert raw_request(base, "POST", "/v1/compile", COMPILE, [])[0] == 200
