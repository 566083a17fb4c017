"""The real server process: HTTP, static assets and websockets, as browsers and tablets use it."""

from __future__ import annotations

import requests

from .fixtures.servers import start_server, stop_server


def test_live_server_serves_pages_and_assets(live_server):
    home = requests.get(live_server.url + "/", headers={"Accept-Language": "en"}, timeout=10)
    assert home.status_code == 200
    assert "Welding" in home.text
    css = requests.get(live_server.url + "/static/css/app.css", timeout=10)
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]


def test_socketio_client_connects_over_websocket(sio_client):
    client = sio_client()
    assert client.connected
    assert client.transport() == "websocket"


def test_run_creates_and_migrates_a_new_database(tmp_path):
    database = tmp_path / "fresh.db"
    server = start_server(tmp_path, f"sqlite:///{database}")
    try:
        page = requests.get(server.url + "/", headers={"Accept-Language": "en"}, timeout=10)
        assert "No championship has been registered yet." in page.text
        assert database.exists()
    finally:
        stop_server(server)
