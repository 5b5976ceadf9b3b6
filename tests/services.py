"""Where the tests find the real Kafka and Redis that ``deploy/local`` starts.

The same variables as ``deploy/local`` (``FIXSTREAM_KAFKA_PORT``, ``FIXSTREAM_REDIS_PORT``),
so a second stack on other ports can be tested beside a running one;
``FIXSTREAM_TEST_KAFKA`` / ``FIXSTREAM_TEST_REDIS_URL`` override them outright.
"""

from __future__ import annotations

import os

KAFKA = os.environ.get("FIXSTREAM_TEST_KAFKA",
                       f"127.0.0.1:{os.environ.get('FIXSTREAM_KAFKA_PORT', '9092')}")
REDIS_URL = os.environ.get("FIXSTREAM_TEST_REDIS_URL",
                           f"redis://127.0.0.1:{os.environ.get('FIXSTREAM_REDIS_PORT', '6379')}/0")
REQUIRE_SERVICES = os.environ.get("FIXSTREAM_REQUIRE_SERVICES") == "1"
