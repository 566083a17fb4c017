"""Socket.IO event handlers of every feature, registered on the app's server in create_app.

Handlers are as thin as views. Connections are accepted from everyone (public boards will
listen anonymously); each event checks who may use it. A feature adds its handlers below.
"""

from __future__ import annotations


def register(socketio) -> None:
    from . import progress

    progress.register(socketio)
