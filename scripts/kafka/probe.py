"""Do the listeners of the scripts/services broker answer a real metadata request?

Used by ``scripts/services`` to wait until every listener of the broker answers before
tests start. A TCP connect is not enough: a JVM listens long before the KRaft
controller has elected itself and the broker has registered. So this asks for the topic
list on the plain listener and on each listener named: SASL_PLAINTEXT, SSL and
SASL_SSL (the TLS ones verify the broker's certificate against ``--cafile``).

usage: probe.py HOST:PORT [--sasl H:P] [--ssl H:P] [--sasl-ssl H:P]
                [--user U --password P] [--cafile FILE]      (exit 0 if all answer)
Exit 1: a listener does not answer (yet); 2: the probe itself cannot run.
"""

from __future__ import annotations

import argparse
import logging
import ssl
import sys
from typing import Any


def _answers(bootstrap: str, **security: Any) -> bool:
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="probe.py", add_help=False)
    parser.add_argument("plain")
    for name in ("--sasl", "--ssl", "--sasl-ssl", "--user", "--password", "--cafile"):
        parser.add_argument(name)
    return parser


def _listeners(args: argparse.Namespace) -> list[tuple[str, dict[str, Any]]]:
    """(bootstrap, security options) of every listener to check."""
    login = {"sasl_mechanism": "PLAIN", "sasl_plain_username": args.user,
             "sasl_plain_password": args.password}
    tls: dict[str, Any] = {}
    if args.ssl or args.sasl_ssl:
        tls = {"ssl_context": ssl.create_default_context(cafile=args.cafile)}
    wanted = [(args.plain, {}),
              (args.sasl, {"security_protocol": "SASL_PLAINTEXT", **login}),
              (args.ssl, {"security_protocol": "SSL", **tls}),
              (args.sasl_ssl, {"security_protocol": "SASL_SSL", **login, **tls})]
    return [(where, options) for where, options in wanted if where]


def main(argv: list[str]) -> int:
    logging.disable(logging.CRITICAL)
    try:
        args = _parser().parse_args(argv)
        listeners = _listeners(args)
        return 0 if all(_answers(where, **options) for where, options in listeners) else 1
    except SystemExit:  # argparse: a wrong call of the probe
        print(__doc__.strip().split("usage: ")[1], file=sys.stderr)
        return 2
    except Exception as exc:  # not "no answer" but a broken probe: say so, exit 2
        print(f"probe.py: cannot probe the broker: {exc!r}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
