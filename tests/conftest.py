"""Shared test setup: Qt runs headless unless the caller chose a platform.

This must run before anything imports Qt, hence at module level here.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
