"""Public side: the championship's home page, leaderboards, results, the hall's screens.

Everyone opens its pages but the ones listed in the guard: organizers decide what the public
sees and drive the hall's screens (the services check it again: board/service.py,
board/screens/commands.py).
"""

# The blueprint, and the modules whose routes attach to it (imported to register them).
from . import api_views, projector, results, views  # noqa: F401  (api_views: on judging's api)
from .blueprint import bp  # noqa: F401
from .screens import views as screen_views  # noqa: F401
