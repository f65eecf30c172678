"""API keys and private knowledge bases: the CLI, and every route over a real app and a real waitress server."""
from __future__ import annotations

import json
import logging
import shutil
import threading
import urllib.error
import urllib.request

import pytest
from waitress.server import create_server

from conftest import clout, make_app

INTRANET = "https://intranet.example.com"


@pytest.fixture(scope="module")
def private_data(web_data, tmp_path_factory):
    """A copy of the web tests' knowledge base, with keys of each kind."""
    target = tmp_path_factory.mktemp("private") / "data"
    shutil.copytree(web_data, target, ignore=shutil.ignore_patterns("write.lock", "analytics.db*"))
    return target


def new_key(data_dir, name, *options) -> str:
    result = clout("keys", "create", name, *options, data_dir=data_dir)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


@pytest.fixture(scope="module")
def tokens(private_data):
    return {
        "admin": new_key(private_data, "ops", "--scope", "admin"),
        "search": new_key(private_data, "team", "--scope", "search"),
        "widget": new_key(private_data, "intranet-widget", "--scope", "search", "--origin", INTRANET + "/"),
    }


@pytest.fixture(scope="module")
def private_app(private_data, tokens):
    return make_app(private_data, require_key=True, analytics=True)


@pytest.fixture
def private(private_app):
    return private_app.test_client()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def episode_id(app) -> int:
    return app.extensions["clout_kb"].store.document_by_source("test:episode/ask-not").id


def search_routes(app) -> list[tuple[str, str]]:
    episode = episode_id(app)
    return [
        ("GET", "/"), ("GET", "/?q=executive+sponsor"), ("GET", "/results?q=sponsor"), ("GET", f"/documents/{episode}"),
        ("GET", f"/media/{episode}"), ("GET", "/widget/demo"), ("GET", "/api/search?q=sponsor"),
        ("GET", f"/api/documents/{episode}"), ("GET", f"/api/media/{episode}"), ("GET", "/api/health"),
        ("GET", "/api/openapi.json"), ("POST", "/api/events"),
    ]


def test_keys_are_created_listed_and_revoked_from_the_cli_and_only_their_hash_is_stored(data_dir, corpus_copy):
    token = new_key(corpus_copy, "reporting", "--scope", "admin", "--expires", "2999-12-31")
    assert token.startswith("clout_ak_") and len(token) > 40
    assert new_key(corpus_copy, "site", "--origin", "https://Example.com:443/").startswith("clout_sk_")
    listed = json.loads(clout("keys", "list", "--json", data_dir=corpus_copy).stdout)
    assert [(k["name"], k["scope"], k["status"]) for k in listed] == [("reporting", "admin", "active"), ("site", "search", "active")]
    assert listed[1]["origins"] == ["https://example.com"]
    text = clout("keys", "list", data_dir=corpus_copy).stdout
    assert "reporting  [admin]  active" in text and token not in text
    stored = b"".join(p.read_bytes() for p in corpus_copy.glob("clout.db*"))
    assert token.encode() not in stored  # the hash only
    assert clout("keys", "revoke", "reporting", data_dir=corpus_copy).exit_code == 0
    assert json.loads(clout("keys", "list", "--json", data_dir=corpus_copy).stdout)[0]["status"] == "revoked"
    for args, message in [
        (("revoke", "reporting"), "already revoked"), (("revoke", "nobody"), "no key named 'nobody'"),
        (("create", "site"), "already a key named 'site'"), (("create", "x", "--origin", "intranet"), "not an origin"),
        (("create", "y", "--expires", "2001-01-01"), "already passed"), (("create", "bad name!"), "must be 1-64"),
    ]:
        result = clout("keys", *args, data_dir=corpus_copy)
        assert result.exit_code == 1 and message in result.output, (args, result.output)


def test_without_a_key_every_search_route_is_refused(private, private_app):
    for method, url in search_routes(private_app):
        response = private.open(url, method=method, data=json.dumps({"type": "click", "doc_id": 1}))
        assert response.status_code == 401, url
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        if url.startswith("/api/"):
            assert response.json == {"ok": False, "status": 401, "error": "this knowledge base is private: a key is needed to search it"}
    page = private.get("/?q=executive+sponsor").get_data(as_text=True)
    assert 'action="/key"' in page and 'type="password"' in page and "Finding an executive sponsor" not in page
    # What anyone needs before they have a key: the prompt, the stylesheet, the widget's script.
    for url in ("/key", "/static/app.css", "/widget.js"):
        assert private.get(url).status_code == 200, url


def test_a_key_opens_every_search_route(private, private_app, tokens):
    for method, url in search_routes(private_app):
        body = json.dumps({"type": "click", "doc_id": episode_id(private_app)})
        response = private.open(url, method=method, data=body, headers=bearer(tokens["search"]))
        assert response.status_code in (200, 204), (url, response.status_code)
        assert response.headers.get("Cache-Control") == "private, no-store"
    assert "Finding an executive sponsor" in private.get("/api/search?q=executive+sponsor", headers=bearer(tokens["admin"])).get_data(as_text=True)


def test_a_bad_key_is_refused_even_where_none_is_needed(corpus_data):
    client = make_app(corpus_data).test_client()
    assert client.get("/api/search?q=sponsor").status_code == 200  # the default stays open
    response = client.get("/api/search?q=sponsor", headers=bearer("clout_sk_not-a-key"))
    assert response.status_code == 401 and "unknown, revoked or expired" in response.json["error"]


def test_keys_required_by_a_setting_in_the_data_directory(private_data, tokens):
    client = make_app(private_data).test_client()  # CLOUT_REQUIRE_KEY not set
    assert client.get("/api/search?q=sponsor").status_code == 200
    assert clout("keys", "require", "on", data_dir=private_data).exit_code == 0
    try:
        assert client.get("/api/search?q=sponsor").status_code == 401  # the same running app, from the next request
        assert client.get("/api/search?q=sponsor", headers=bearer(tokens["search"])).status_code == 200
    finally:
        assert clout("keys", "require", "off", data_dir=private_data).exit_code == 0
    assert client.get("/api/search?q=sponsor").status_code == 200


def test_an_expired_key_is_refused(private_data, private):
    from clout.index.keys import digest
    from clout.index.store import Store

    store = Store(private_data / "clout.db")
    store.insert_key("old", "search", digest("clout_sk_expired"), (), 0, expires_at=1.0)
    store.close()
    assert private.get("/api/search?q=sponsor", headers=bearer("clout_sk_expired")).status_code == 401


def test_search_keys_get_403_on_admin_routes_and_admin_keys_get_in(private, tokens, corpus_data):
    for method, url in (("GET", "/admin/analytics"), ("GET", "/api/sync"), ("POST", "/api/sync")):
        assert private.open(url, method=method).status_code == 401, url
        refused = private.open(url, method=method, headers=bearer(tokens["search"]))
        assert refused.status_code == 403, url
        assert "may only search" in refused.get_data(as_text=True)
    assert private.get("/admin/analytics", headers=bearer(tokens["admin"])).status_code == 200
    assert private.get("/api/sync", headers=bearer(tokens["admin"])).json == {"running": False, "sources": []}
    # Analytics are never open, even on a server that asks no key to search.
    assert make_app(corpus_data).test_client().get("/admin/analytics").status_code == 401


def test_an_admin_key_starts_a_sync_in_a_process_of_its_own(private_app, tokens):
    import time

    client = private_app.test_client()
    started = client.post("/api/sync", headers=bearer(tokens["admin"]))
    assert started.status_code == 202 and started.json["status"] == "started"
    child = private_app.extensions["clout_sync_child"]
    assert child.wait(timeout=120) == 0
    log = (private_app.extensions["clout_kb"].data_dir / "sync.log").read_text()
    assert "No sources to sync" in log
    deadline = time.time() + 5
    while client.get("/api/sync", headers=bearer(tokens["admin"])).json["running"] and time.time() < deadline:
        time.sleep(0.1)
    assert client.get("/api/sync", headers=bearer(tokens["admin"])).json["running"] is False


def test_a_key_bound_to_an_origin_works_from_that_origin_only(private, tokens):
    ok = private.get("/api/search?q=sponsor", headers={**bearer(tokens["widget"]), "Origin": INTRANET})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == INTRANET
    preflight = private.options("/api/search?q=sponsor", headers={
        "Origin": INTRANET, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"})
    assert preflight.headers["Access-Control-Allow-Origin"] == INTRANET
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    other = private.get("/api/search?q=sponsor", headers={**bearer(tokens["widget"]), "Origin": "https://elsewhere.example"})
    assert other.status_code == 403 and "may not be used from https://elsewhere.example" in other.json["error"]
    assert "Access-Control-Allow-Origin" not in other.headers
    # A key bound to no origin is for servers, not for another site's pages.
    unbound = private.get("/api/search?q=sponsor", headers={**bearer(tokens["search"]), "Origin": INTRANET})
    assert unbound.status_code == 403
    stranger = private.options("/api/search", headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_the_key_prompt_sets_a_secure_httponly_strict_cookie_and_the_page_opens(private_app, tokens):
    client = private_app.test_client()
    wrong = client.post("/key", data={"key": "clout_sk_wrong", "next": "/?q=sponsor"})
    assert wrong.status_code == 401 and "not valid" in wrong.get_data(as_text=True)
    entered = client.post("/key", data={"key": tokens["search"], "next": "/?q=executive+sponsor"})
    assert entered.status_code == 303 and entered.headers["Location"] == "/?q=executive+sponsor"
    cookie = entered.headers["Set-Cookie"]
    assert cookie.startswith("clout_key=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
    assert tokens["search"] not in entered.headers["Location"]
    page = client.get("/?q=executive+sponsor").get_data(as_text=True)
    assert "Finding an executive sponsor" in page and "Forget my key" in page and ">Analytics<" not in page
    assert client.get("/api/search?q=sponsor").status_code == 200  # the page's own fetches carry the cookie
    admin = private_app.test_client()
    admin.post("/key", data={"key": tokens["admin"]})
    assert ">Analytics</a>" in admin.get("/").get_data(as_text=True)
    over_https = private_app.test_client().post("/key", data={"key": tokens["search"]}, base_url="https://localhost")
    assert "Secure" in over_https.headers["Set-Cookie"]
    elsewhere = private_app.test_client().post("/key", data={"key": tokens["search"], "next": "//evil.example/"})
    assert elsewhere.headers["Location"] == "/"
    assert client.post("/key/forget").status_code == 303
    assert client.get("/?q=sponsor").status_code == 401


def test_a_signed_media_url_plays_without_a_header_until_its_key_is_revoked(private_data, private_app):
    token = new_key(private_data, "player", "--origin", INTRANET)
    client = private_app.test_client()
    episode = episode_id(private_app)
    signed = client.get(f"/api/media/{episode}", headers={**bearer(token), "Origin": INTRANET}).json["url"]
    assert token not in signed and "by=player" in signed
    path = signed.split("localhost", 1)[1]
    assert client.get(path, headers={"Range": "bytes=0-99"}).status_code == 206
    assert client.get(path.replace("sig=", "sig=0")).status_code == 401
    assert client.get(path.replace(f"/media/{episode}", f"/media/{episode + 1}")).status_code == 401
    assert clout("keys", "revoke", "player", data_dir=private_data).exit_code == 0
    assert client.get(path, headers={"Range": "bytes=0-99"}).status_code == 401


def test_each_key_has_its_own_rate_limit(private_data, private_app):
    slow = new_key(private_data, "limited", "--rate", "12")
    client = private_app.test_client()  # loopback: a key's limit applies wherever it is used from
    statuses = [client.get("/api/search?q=sponsor", headers=bearer(slow)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]  # a burst of 12/6 = 2, then empty
    refused = client.get("/api/search?q=sponsor", headers=bearer(slow))
    assert "with the key 'limited'" in refused.json["error"] and int(refused.headers["Retry-After"]) >= 1


# -- a real server -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(private_app):
    srv = create_server(private_app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=srv.run, daemon=True).start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()


def fetch(url: str, headers: dict | None = None, data: bytes | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            r.read()
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_a_revoked_key_is_refused_on_the_very_next_request_to_a_running_server(server, private_data):
    token = new_key(private_data, "short-lived")
    assert fetch(f"{server}/api/search?q=sponsor", bearer(token)) == 200
    assert fetch(f"{server}/api/search?q=sponsor", bearer(token)) == 200
    assert clout("keys", "revoke", "short-lived", data_dir=private_data).exit_code == 0
    assert fetch(f"{server}/api/search?q=sponsor", bearer(token)) == 401
    assert fetch(f"{server}/", {"Cookie": f"clout_key={token}"}) == 401


def test_a_key_never_reaches_a_log_or_a_file(server, private_data, private_app, tokens, caplog):
    caplog.set_level(logging.DEBUG)
    secret = tokens["search"]
    fetch(f"{server}/api/search?q=sponsor", bearer(secret))
    fetch(f"{server}/?q=sponsor", {"Cookie": f"clout_key={secret}"})
    fetch(f"{server}/api/events", data=json.dumps({"type": "click", "doc_id": 1, "key": secret}).encode())
    fetch(f"{server}/api/search?q=sponsor", bearer(secret + "x"))  # a near miss is not echoed either
    fetch(f"{server}/api/documents/999999", bearer(secret))
    private_app.extensions["clout_recorder"].flush()
    assert secret[10:] not in caplog.text
    for path in private_data.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_store_from_before_keys_is_upgraded_and_keeps_its_documents(corpus_copy):
    import sqlite3

    from clout.index.store import Store
    from clout.index.store.schema import SCHEMA_VERSION

    old = sqlite3.connect(corpus_copy / "clout.db")
    documents = old.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
    old.executescript("DROP TABLE keys; UPDATE meta SET value = '2' WHERE key = 'schema_version';")
    old.close()
    Store(corpus_copy / "clout.db", readonly=True).close()  # a server opening it first upgrades it
    store = Store(corpus_copy / "clout.db", readonly=True)
    assert store.get_meta("schema_version") == str(SCHEMA_VERSION) and SCHEMA_VERSION >= 3  # 4 added sentence vectors
    assert store.all_keys() == []
    assert sqlite3.connect(corpus_copy / "clout.db").execute("SELECT COUNT(*) FROM documents").fetchone()[0] == documents
    assert new_key(corpus_copy, "after-upgrade").startswith("clout_sk_")


def test_a_replica_serving_snapshots_checks_keys_against_the_snapshot_it_serves(corpus_copy, tmp_path):
    from clout.index.follow import Follower
    from clout.settings import Settings
    from clout.web import create_app

    token = new_key(corpus_copy, "replica-user")
    dest = tmp_path / "snapshots"
    assert clout("publish", str(dest), data_dir=corpus_copy).exit_code == 0
    follower = Follower(dest)
    assert follower.poll()
    app = create_app(Settings(data_dir=tmp_path / "replica", require_key=True, analytics=False), follower=follower,
                     test_config={"TESTING": True})
    client = app.test_client()
    assert client.get("/api/search?q=sponsor").status_code == 401
    assert client.get("/api/search?q=sponsor", headers=bearer(token)).status_code == 200
    admin = new_key(corpus_copy, "replica-admin", "--scope", "admin")
    assert clout("keys", "revoke", "replica-user", data_dir=corpus_copy).exit_code == 0
    assert clout("publish", str(dest), data_dir=corpus_copy).exit_code == 0
    assert follower.poll()  # the replica takes the new snapshot between requests
    assert client.get("/api/search?q=sponsor", headers=bearer(token)).status_code == 401
    refused = client.post("/api/sync", headers=bearer(admin))
    assert refused.status_code == 409 and "published snapshots" in refused.json["error"]
