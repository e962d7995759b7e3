"""Races and cache lifetimes on real `servicekonto serve --workers 2` processes."""

import pytest

#: These tests time cache lifetimes and busy timeouts and need both server workers to answer:
#: under pytest-xdist they run one after another on one worker, never two at once on two cores.
CONCURRENCY_GROUP = pytest.mark.xdist_group(name="concurrency")
