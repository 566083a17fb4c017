"""A password's scrypt check (a tenth of a second of CPU) runs off gevent's loop under
`competition serve`, so every other socket of the process goes on meanwhile
(competition/auth/hashing.py)."""

from __future__ import annotations

import subprocess
import sys

from werkzeug.security import generate_password_hash

# Under gevent's monkey-patching as `competition serve` does it: a greenlet ticks every
# millisecond while three scrypt checks run; it prints how many ticks it got, and the checks'
# answers.
PROGRAM = """
from gevent import monkey
monkey.patch_all()
import sys, time, gevent
from competition.auth.hashing import matches
from competition import create_app

ticks = []
def tick():
    while True:
        ticks.append(time.monotonic())
        gevent.sleep(0.001)

app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
with app.app_context():
    ticker = gevent.spawn(tick)
    gevent.sleep(0.01)
    before = len(ticks)
    began = time.monotonic()
    answers = [matches(sys.argv[1], "right password"), matches(sys.argv[1], "wrong"),
               matches(sys.argv[1], "right password")]
    took = time.monotonic() - began
    ticker.kill()
print(len(ticks) - before, round(took * 1000), answers)
"""


def test_under_gevent_the_loop_goes_on_while_a_password_is_checked():
    pwhash = generate_password_hash("right password", method="scrypt")
    done = subprocess.run([sys.executable, "-c", PROGRAM, pwhash], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    ticks, took, answers = done.stdout.split(maxsplit=2)
    assert answers.strip() == "[True, False, True]"
    # three checks take a few hundred milliseconds: ticking all along (in the loop's thread
    # they would have stopped it: no tick at all until the checks were done)
    assert int(ticks) >= int(took) // 10, (ticks, took)


def test_new_passwords_and_pins_are_hashed_before_the_write_lock(demo_app, monkeypatch):
    """The organizer's new password, new PIN and new account: each hash (a tenth of a second)
    is made before the write transaction that stores it, which judges' marks wait for."""
    from competition.database import in_write_transaction
    from competition.models import people

    from ..access import client_as, make_role_users
    from .helpers import login, post_form

    ids = make_role_users(demo_app)
    made: list[bool] = []
    original = people.password_hash

    def recorded(secret):
        made.append(in_write_transaction())
        return original(secret)

    from competition.auth import hashing

    monkeypatch.setattr(people, "password_hash", recorded)
    monkeypatch.setattr(hashing, "password_hash", recorded)
    organizer = client_as(demo_app, "organizer", ids)
    page = f"/manage/accounts/{ids['chief']}"
    assert post_form(organizer, f"{page}/password", {
        "password": "new password 1", "confirm": "new password 1"}, page=page
    ).status_code == 302
    page = f"/manage/accounts/{ids['expert']}"
    assert post_form(organizer, f"{page}/pin", {"pin": "4821"}, page=page).status_code == 302
    admin = client_as(demo_app, "admin", ids)
    assert post_form(admin, "/manage/accounts/new", {
        "login": "new-organizer", "role": "organizer", "password": "long enough!",
        "confirm": "long enough!", "expert_id": 0, "competitor_id": 0, "locale": ""}
    ).status_code == 302
    assert made == [False, False, False], made
    assert login(demo_app.test_client(), "as-chief", "new password 1").status_code == 302
    assert login(demo_app.test_client(), "new-organizer", "long enough!").status_code == 302
