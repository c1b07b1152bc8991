"""Engine tests need neither Django nor a database; a small hypothesis profile keeps them quick."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

# The helpers module sits beside these tests; the suite runs without package __init__ files.
sys.path.insert(0, str(Path(__file__).parent))

settings.register_profile(
    "engine", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("engine")
