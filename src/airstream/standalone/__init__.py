"""``airstream standalone``: the broker, the scheduler and the api-server as one supervised unit.

The supervisor (:mod:`.supervisor`) prepares AIRSTREAM_HOME, starts each component as a child
process of its own (``python -m airstream <command>``), tells them where the others are
through the environment, restarts a child that crashes (:mod:`.restart_policy`) and stops
them all on Ctrl-C or SIGTERM. Nothing here runs at import time.
"""

from __future__ import annotations

from airstream.standalone.supervisor import StandaloneOptions, run_standalone

__all__ = ["StandaloneOptions", "run_standalone"]
