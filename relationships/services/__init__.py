"""Writes of the key-account programme (split by subject; import from here)."""

from .evaluations import *  # noqa: F403
from .figures import *  # noqa: F403
from .plans import *  # noqa: F403
from .programme import *  # noqa: F403
