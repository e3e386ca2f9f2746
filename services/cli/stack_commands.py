"""`goldtrace up`, `goldtrace status`, `goldtrace down`: the local stack."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from services.stack import runner
from services.stack.errors import StackError
from services.stack.settings import StackSettings


def register(subparsers: Any) -> None:
    """Register the stack commands."""
    up = subparsers.add_parser("up", help="start Kafka, PostgreSQL and the services (what is not running yet)")
    up.add_argument(
        "--infra-only", action="store_true", help="start only Kafka and PostgreSQL (topics, migrations), no services"
    )
    up.set_defaults(handler=_up)
    status = subparsers.add_parser("status", help="show what runs and where")
    status.add_argument("--json", action="store_true", help="print machine-readable JSON")
    status.set_defaults(handler=_status)
    down = subparsers.add_parser("down", help="stop what `goldtrace up` started")
    down.set_defaults(handler=_down)


def _fail(error: StackError) -> int:
    print(f"goldtrace: {error.detail} [{error.code}]", file=sys.stderr)
    return 1


def _up(args: argparse.Namespace) -> int:
    try:
        current = runner.up(StackSettings.from_env(), with_apps=not args.infra_only)
    except StackError as error:
        return _fail(error)
    print(f"Ready. Kafka: {current.kafka_bootstrap}  PostgreSQL: {current.database_url}")
    if not args.infra_only:
        print(f"Gateway: {current.gateway_url}   Query: {current.query_url}")
    print(f"Logs: {current.logs}   Stop with: goldtrace down")
    return 0


def _status(args: argparse.Namespace) -> int:
    current = runner.status(StackSettings.from_env())
    if args.json:
        print(json.dumps(current.as_json(), indent=2))
    else:
        print(f"Kafka {current.kafka_version}: {current.kafka} at {current.kafka_bootstrap}")
        print(f"PostgreSQL: {current.postgres} at {current.database_url}")
        for name, state in current.services.items():
            print(f"{name}: {state}")
        print(f"Gateway: {current.gateway_url}   Query: {current.query_url}")
        print(f"Transparency log public key: {current.log_public_key}   (served at {current.query_url}/v1/log/key)")
        print(f"Home: {current.home}   Logs: {current.logs}")
    return 0


def _down(args: argparse.Namespace) -> int:
    del args
    try:
        runner.down(StackSettings.from_env())
    except StackError as error:
        return _fail(error)
    return 0
