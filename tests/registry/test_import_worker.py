"""The import's confirmation runs in the import worker (registry/imports/jobs.py): the page
answers at once and follows the worker's progress to the result; a double confirmation imports
once; what changed while the file was checked fails the import whole (stale.py); a worker that
dies is reported and has written nothing."""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
import requests
import sqlalchemy as sa
from flask_babel import force_locale

from competition.extensions import db, socketio
from competition.models import AuditEntry, Competitor, ImportJob, Organization, Skill
from competition.registry.imports import service
from tests.helpers import csrf, follow_import, wait_until

from ..fixtures.browser import E2E_PASSWORD, add_organizer
from ..fixtures.servers import start_server, stop_server
from .test_import_progress import WS, competitors_xlsx, task_of, token_of

BIG = 1500  # competitors: the worker takes seconds over them, the confirmation milliseconds


def preview(client, data: bytes, name: str = "big.xlsx", skill: str = "10") -> str:
    page = client.get("/manage/import").get_data(as_text=True)
    response = client.post("/manage/import/preview", content_type="multipart/form-data", data={
        "csrf_token": csrf(page), "kind": "competitors", "championship": WS,
        "skill": f"{WS}/{skill}", "file": (io.BytesIO(data), name)})
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def confirm(client, html: str):
    return client.post("/manage/import/confirm", data={
        "csrf_token": csrf(html), "token": token_of(html), "task": task_of(html, "confirm-form")})


def count(app, model=Competitor) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def worker_pid(job_id: int, parent: int | None = None) -> int | None:
    """The process of import JOB_ID (its stderr is the job's log) started by `parent` (this
    test's process unless said), itself or through its fork server."""
    parent_pid = os.getpid() if parent is None else parent
    log = f"/imports/import-{job_id}.log"
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if not os.readlink(entry / "fd" / "2").endswith(log):
                continue
        except OSError:
            continue
        if parent_pid in _ancestors(int(entry.name)):
            return int(entry.name)
    return None


def _ancestors(pid: int) -> list[int]:
    found = []
    for _ in range(3):
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        found.append(pid)
    return found


def test_the_confirmation_answers_at_once_and_the_page_leads_to_the_result(demo_app, organizer):
    html = preview(organizer, competitors_xlsx(BIG))
    before = count(demo_app)
    began = time.monotonic()
    answer = confirm(organizer, html)
    answered = time.monotonic() - began
    assert answer.status_code == 303
    page_url = answer.headers["Location"]
    assert re.fullmatch(r"/manage/import/jobs/\d+", page_url), page_url
    # the worker has only begun: nothing is written yet, and the page shows the progress
    state = organizer.get(page_url + ".json").get_json()
    assert state["status"] == "running", (state, answered)
    assert count(demo_app) == before
    page = organizer.get(page_url)
    text = page.get_data(as_text=True)
    assert page.status_code == 202
    assert 'id="import-job"' in text and 'data-task="' in text and 'role="status"' in text
    # without scripts: the page asks again by itself, and links to itself
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in text
    assert f'href="{page_url}"' in text
    result = follow_import(organizer, answer)
    assert result.status_code == 303 and "/manage/import/result/" in result.headers["Location"]
    done = organizer.get(result.headers["Location"]).get_data(as_text=True)
    assert f"created: {BIG}" in done
    assert count(demo_app) == before + BIG
    with demo_app.app_context():
        entry = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id.desc())
                                   ).scalars().first()
        assert entry.action == "import" and entry.changes["created"] == BIG
        assert entry.user_id == organizer.ids["organizer"]  # who confirmed, as before
        job = db.session.execute(sa.select(ImportJob)).scalar_one()
        assert job.status == "done" and job.audit_id == entry.id
    assert not list((Path(demo_app.config["INSTANCE_PATH"]) / "uploads").iterdir())


def test_the_workers_progress_reaches_the_watching_socket(demo_app, organizer):
    sio = socketio.test_client(demo_app, flask_test_client=organizer)
    html = preview(organizer, competitors_xlsx(BIG))
    task = task_of(html, "confirm-form")
    assert sio.emit("progress:watch", {"task": task}, callback=True) == {"ok": True}
    answer = confirm(organizer, html)
    assert follow_import(organizer, answer).status_code == 303

    def received() -> list[dict]:
        got.extend(m["args"][0] for m in sio.get_received() if m["name"] == "progress")
        return [e for e in got if e.get("finished")]

    got: list[dict] = []
    wait_until(received, 10, "the worker's last event")
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    assert all(e["task"] == task and e["job"] == job_id for e in got)
    assert got[-1]["finished"] == "done"
    checking = [e["done"] for e in got if e["label"] == "Checking competitors"]
    assert checking[-1] == BIG and any(0 < done < BIG for done in checking), checking
    assert [e["done"] for e in got if e["label"] == "Importing competitors"][-1] == BIG
    sio.disconnect()


def test_confirming_twice_imports_once(demo_app, organizer):
    html = preview(organizer, competitors_xlsx(50), "twice.xlsx")
    before = count(demo_app), count(demo_app, AuditEntry)
    first, second = confirm(organizer, html), confirm(organizer, html)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert follow_import(organizer, second).status_code == 303
    assert (count(demo_app), count(demo_app, AuditEntry)) == (before[0] + 50, before[1] + 1)
    with demo_app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ImportJob)
                                  ).scalar_one() == 1


def test_a_dead_worker_is_reported_and_wrote_nothing(demo_app, organizer):
    sio = socketio.test_client(demo_app, flask_test_client=organizer)
    html = preview(organizer, competitors_xlsx(3000))
    task = task_of(html, "confirm-form")
    assert sio.emit("progress:watch", {"task": task}, callback=True) == {"ok": True}
    before = count(demo_app), count(demo_app, AuditEntry)
    answer = confirm(organizer, html)
    job_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    pid = wait_until(lambda: worker_pid(job_id), 10, "the import worker's process")
    os.kill(pid, signal.SIGKILL)
    page = follow_import(organizer, answer)
    text = page.get_data(as_text=True)
    assert page.status_code == 500, text[:2000]
    assert "The import failed" in text and "stopped unexpectedly" in text
    assert "nothing was imported" in text and f"imports/import-{job_id}.log" in text
    assert (count(demo_app), count(demo_app, AuditEntry)) == before
    finished = wait_until(lambda: [m["args"][0] for m in sio.get_received()
                                   if m["name"] == "progress" and m["args"][0].get("finished")],
                          10, "the relay's last event")
    assert finished[-1]["finished"] == "failed"
    assert not list((Path(demo_app.config["INSTANCE_PATH"]) / "uploads").iterdir())
    sio.disconnect()


def test_someone_elses_import_page_is_not_found(demo_app, organizer):
    from tests.access import client_as

    html = preview(organizer, competitors_xlsx(5), "small.xlsx")
    answer = confirm(organizer, html)
    admin = client_as(demo_app, "admin", organizer.ids)
    assert admin.get(answer.headers["Location"]).status_code == 404
    assert admin.get(answer.headers["Location"] + ".json").status_code == 404
    assert follow_import(organizer, answer).status_code == 303


# --- what changed while the file was checked ---------------------------------------------------

def import_meanwhile(app, data: bytes, change) -> service.ImportFailed:
    """run_import of `data` into skill 10, with `change(connection)` committed by someone else
    between the check and the write transaction; the import's refusal."""
    def progress(items, label):
        if str(label) == "Importing competitors":  # building the rows: after the check
            with db.engine.begin() as connection:
                change(connection)
        return items

    with app.test_request_context(), force_locale("en"):
        importer = service.importer_for("competitors")
        target = service.resolve_target(importer, WS, "10")
        with pytest.raises(service.ImportFailed) as failed:
            service.run_import(importer, target, "meanwhile.xlsx", data, progress=progress)
        db.session.remove()
    return failed.value


def test_a_code_registered_meanwhile_fails_the_import_whole(demo_app):
    before = count(demo_app), count(demo_app, AuditEntry)
    with demo_app.app_context():
        skill_id = db.session.execute(sa.select(Skill.id).where(
            Skill.code == "10", Skill.championship.has(code=WS))).scalar_one()

    def register(connection):
        connection.execute(sa.insert(Competitor.__table__).values(
            skill_id=skill_id, code="P00007", name_ru="Кто-то другой", status="active",
            results_code="meanwhile-code-1", health_note="", name_consent=False))

    refused = import_meanwhile(demo_app, competitors_xlsx(20), register)
    assert [(e.row, e.column, e.value) for e in refused.report.errors] == [(9, "code", "P00007")]
    assert "registered by someone else" in refused.report.errors[0].expected
    # nothing of the file: only the other person's competitor
    assert (count(demo_app), count(demo_app, AuditEntry)) == (before[0] + 1, before[1])


def test_a_competitor_changed_meanwhile_fails_the_update(demo_app):
    with demo_app.app_context():
        competitor = db.session.execute(sa.select(Competitor).join(Skill).where(
            Skill.code == "10", Skill.championship.has(code=WS))).scalars().first()
        code, competitor_id, name = competitor.code, competitor.id, competitor.name_ru
    buffer = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["code", "name_ru", "workstation"])
    book.active.append([code, "Новое Имя", "77"])
    book.save(buffer)

    def edit(connection):
        connection.execute(sa.update(Competitor.__table__).where(
            Competitor.id == competitor_id).values(workstation="12"))

    refused = import_meanwhile(demo_app, buffer.getvalue(), edit)
    assert "changed or deleted by someone else" in refused.report.errors[0].expected
    with demo_app.app_context():
        kept = db.session.get(Competitor, competitor_id)
        assert (kept.workstation, kept.name_ru) == ("12", name)


def test_an_organization_deleted_meanwhile_fails_the_import(demo_app):
    with demo_app.app_context():
        from competition.database import write_transaction

        with write_transaction() as session:
            session.add(Organization(code="TEMPORG", name_ru="Временная", kind="college"))
    data = io.BytesIO()
    book = openpyxl.Workbook()
    book.active.append(["code", "name_ru", "organization"])
    book.active.append(["T1", "Участник", "TEMPORG"])
    book.save(data)
    before = count(demo_app)
    refused = import_meanwhile(demo_app, data.getvalue(), lambda connection: connection.execute(
        sa.delete(Organization.__table__).where(Organization.code == "TEMPORG")))
    assert [(e.row, e.column) for e in refused.report.errors] == [(2, "organization")]
    assert "deleted while the file was being imported" in refused.report.errors[0].expected
    assert count(demo_app) == before


# --- the real server ------------------------------------------------------------------------------

def organizer_session(server) -> requests.Session:
    """An organizer logged in to `server` over HTTP, in English."""
    http = requests.Session()
    http.headers.update({"Accept-Language": "en"})
    login = add_organizer(server)
    page = http.get(server.url + "/login", timeout=10).text
    assert http.post(server.url + "/login", timeout=10, allow_redirects=False, data={
        "csrf_token": csrf(page), "login": login, "password": E2E_PASSWORD}
    ).status_code in (302, 303)
    return http


@pytest.fixture
def served(demo_template_db, tmp_path):
    """`competition serve` (gevent) on a copy of the demo, and an organizer's HTTP session."""
    import shutil

    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    server = start_server(tmp_path, f"sqlite:///{database}", command="serve")
    try:
        http = organizer_session(server)
        yield server, http
    finally:
        stop_server(server)


def served_preview(server, http, rows: int) -> str:
    page = http.get(server.url + "/manage/import", timeout=10).text
    return http.post(server.url + "/manage/import/preview", timeout=60, data={
        "csrf_token": csrf(page), "kind": "competitors", "championship": WS,
        "skill": f"{WS}/10"}, files={"file": ("big.xlsx", competitors_xlsx(rows))}).text


def served_confirm(server, http, html: str) -> str:
    """Confirm on the server: the import's page (asserting it answered 202 at first)."""
    answer = http.post(server.url + "/manage/import/confirm", timeout=10,
                       allow_redirects=False, data={"csrf_token": csrf(html),
                                                    "token": token_of(html),
                                                    "task": task_of(html, "confirm-form")})
    assert answer.status_code == 303
    job_page = server.url + answer.headers["Location"]
    assert http.get(job_page, timeout=10, allow_redirects=False).status_code == 202
    return job_page


def watching(server, http, task: str):
    import socketio as socketio_client

    from ..fixtures.servers import in_order

    events: list[dict] = []
    client = in_order(socketio_client.Client(reconnection=False))
    client.on("progress", events.append)
    client.connect(server.url, transports=["websocket"], wait_timeout=10, headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in http.cookies.items())})
    assert client.call("progress:watch", {"task": task}, timeout=10) == {"ok": True}
    return client, events


def test_serve_imports_in_the_worker_and_pushes_its_progress(served):
    """`competition serve` (gevent): the confirmation answers before the import is done, the
    worker's steps reach a python-socketio client, and the page then leads to the result."""
    server, http = served
    html = served_preview(server, http, BIG)
    client, events = watching(server, http, task_of(html, "confirm-form"))
    try:
        job_page = served_confirm(server, http, html)
        wait_until(lambda: any(e.get("finished") for e in events), 60, "the import's end")
        assert events[-1]["finished"] == "done"
        checking = [e["done"] for e in events if e["label"] == "Checking competitors"]
        assert checking[-1] == BIG and any(0 < done < BIG for done in checking), events
        result = http.get(job_page, timeout=10, allow_redirects=False)
        assert result.status_code == 303 and "/manage/import/result/" in result.headers["Location"]
        assert f"created: {BIG}" in http.get(server.url + result.headers["Location"],
                                             timeout=10).text
    finally:
        client.disconnect()


def test_serve_reports_a_dead_worker(served):
    server, http = served
    html = served_preview(server, http, 3000)
    client, events = watching(server, http, task_of(html, "confirm-form"))
    try:
        job_page = served_confirm(server, http, html)
        job_id = int(job_page.rsplit("/", 1)[1])
        pid = wait_until(lambda: worker_pid(job_id, server.process.pid), 10, "the worker")
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: any(e.get("finished") for e in events), 30, "the relay's last event")
        assert events[-1]["finished"] == "failed"
        page = http.get(job_page, timeout=10, allow_redirects=False)
        assert page.status_code == 500 and "stopped unexpectedly" in page.text
        assert http.get(job_page + ".json", timeout=10).json()["status"] == "failed"
    finally:
        client.disconnect()


@pytest.fixture
def served_with_judge(demo_template_db, tmp_path):
    """`competition serve` (gevent) on a copy of the demo; an organizer's HTTP session, and a
    judge of skill 10 marking a measurement cell over a websocket: `marks_during(request)`
    counts the judge's marks sent and answered while `request()` ran (and its result)."""
    import shutil

    import socketio

    from competition.auth.service import create_token
    from tests.fixtures.databases import make_app
    from tests.judging.panel import make_panel

    database = tmp_path / "competition.db"
    shutil.copyfile(demo_template_db, database)
    app = make_app(f"sqlite:///{database}", tmp_path)
    panel = make_panel(app, "10")
    with app.app_context():
        token = create_token(f"judge-{panel.codes[0].lower()}")
        db.session.remove()
        db.engine.dispose()
    server = start_server(tmp_path, f"sqlite:///{database}", command="serve")
    tablet = None
    try:
        http = organizer_session(server)
        tablet = socketio.Client(reconnection=False)
        tablet.connect(server.url, transports=["websocket"], wait_timeout=10,
                       auth={"token": token})

        def marks_during(request) -> tuple[int, object]:
            trips: list[tuple[float, float]] = []
            stop, revision = threading.Event(), [0]

            def mark():
                while not stop.is_set():
                    sent = time.monotonic()
                    answer = tablet.call("mark:submit", {
                        "id": str(uuid.uuid4()), "skill": "10", "aspect": panel.m_aspect,
                        "competitor": panel.competitor, "base": revision[0],
                        "value": panel.m_values[len(trips) % 2]}, timeout=30)
                    assert answer["ok"], answer
                    revision[0] = answer["mark"]["revision"]
                    trips.append((sent, time.monotonic()))
                    time.sleep(0.01)

            judge = threading.Thread(target=mark, daemon=True)
            judge.start()
            time.sleep(0.5)
            began = time.monotonic()
            result = request()
            ended = time.monotonic()
            stop.set()
            judge.join(timeout=35)
            return sum(1 for sent, answered in trips if began < sent and answered < ended), result

        yield server, http, marks_during
    finally:
        if tablet is not None:
            tablet.disconnect()
        stop_server(server)


def test_a_long_preview_lets_the_server_take_marks_meanwhile(served_with_judge):
    """Under gevent the preview's checking runs in the server's process: it pauses (a sleep
    long enough for the loop to go round, progress.py), so a judge's marks are written and
    answered during it, not after it."""
    server, http, marks_during = served_with_judge

    def checked():  # as the page sends it: with its progress task
        page = http.get(server.url + "/manage/import", timeout=10).text
        return http.post(server.url + "/manage/import/preview", timeout=60, data={
            "csrf_token": csrf(page), "task": task_of(page, "import-form"),
            "kind": "competitors", "championship": WS, "skill": f"{WS}/10"},
            files={"file": ("big.xlsx", competitors_xlsx(1500))}).text

    during, html = marks_during(checked)
    assert "create 1500" in html
    assert during >= 20, during  # with a sleep(0) three got through: the loop rarely went round

