"""Entry point of the `goldtrace` command: each command group lives in its own module."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from services.cli import (
    audit_commands,
    demo_commands,
    key_commands,
    stack_commands,
    submit_commands,
    token_commands,
    verify_commands,
)

# Each module exposes `register(subparsers)`; a registered parser sets `handler` (args -> exit code).
COMMAND_MODULES: tuple[ModuleType, ...] = (
    stack_commands,
    key_commands,
    submit_commands,
    demo_commands,
    token_commands,
    audit_commands,
    verify_commands,
)

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group registered."""
    parser = argparse.ArgumentParser(
        prog="goldtrace",
        description="Traceability for Fairmined gold: run the stack, sign, check and verify events.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `goldtrace` command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
