"""Engine tests need neither Django nor a database; a small hypothesis profile keeps them quick."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "engine", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("engine")

import sys
from pathlib import Path

# The helpers module sits beside these tests; the suite runs without package __init__ files.
sys.path.insert(0, str(Path(__file__).parent))
