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
