"""Reads of the key-account programme (split by subject; import from here)."""

from .dashboard_profitability import *  # noqa: F403
from .dashboard_programme import *  # noqa: F403
from .dashboard_scorecards import *  # noqa: F403
from .dashboards import *  # noqa: F403
from .evaluations import *  # noqa: F403
from .plans import *  # noqa: F403
from .programme import *  # noqa: F403
from .progress import *  # noqa: F403
