"""Does the broker of scripts/services answer a real metadata request?

Used by `scripts/services` to wait for the broker (operations.md: "check a broker
answers before tests start"). A TCP connect is not enough: a JVM listens long before
the KRaft controller has elected itself and the broker has registered. So this asks
for the topic list on the plain listener and, if given, on the SASL listener too.

usage: probe.py HOST:PORT [SASL_HOST:PORT USER PASSWORD]   (exit 0 if all answer)
"""

from __future__ import annotations

import logging
import sys


def _answers(bootstrap: str, **security: str) -> bool:
    """True if the listener answers a metadata request; a misconfigured probe raises."""
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaConfigurationError, KafkaError

    timeouts = {"request_timeout_ms": 5000}
    if "bootstrap_timeout_ms" in KafkaAdminClient.DEFAULT_CONFIG:  # kafka-python >= 2.1
        timeouts["bootstrap_timeout_ms"] = 3000  # default 30 s: far too slow a poll
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, **timeouts, **security)
    except KafkaConfigurationError:
        raise
    except (KafkaError, OSError):
        return False
    try:
        admin.list_topics()
        return True
    except (KafkaError, OSError):
        return False
    finally:
        admin.close()


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)
    if len(argv) not in (1, 4):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    try:
        return _check(argv)
    except Exception as exc:  # not "no answer" but a broken probe: say so, exit 2
        print(f"probe.py: cannot probe the broker: {exc!r}", file=sys.stderr)
        return 2


def _check(argv: list[str]) -> int:
    if not _answers(argv[0]):
        return 1
    if len(argv) == 4:
        sasl = {
            "security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": "PLAIN",
            "sasl_plain_username": argv[2],
            "sasl_plain_password": argv[3],
        }
        if not _answers(argv[1], **sasl):
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
