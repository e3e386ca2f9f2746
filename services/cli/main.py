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

# Options whose value is a base64url key, which may start with "-": argparse would take such a value for an option.
KEY_OPTIONS = frozenset({"--public-key", "--log-key"})


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
    args = parser.parse_args(glue_key_values(sys.argv[1:] if argv is None else argv))
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    return handler(args)


def glue_key_values(argv: Sequence[str]) -> list[str]:
    """Write `--log-key KEY` as `--log-key=KEY`, so a key that starts with "-" is read as the option's value."""
    glued: list[str] = []
    args = iter(argv)
    for arg in args:
        value = next(args, None) if arg in KEY_OPTIONS else None
        glued.append(arg if value is None else f"{arg}={value}")
    return glued


if __name__ == "__main__":
    sys.exit(main())
