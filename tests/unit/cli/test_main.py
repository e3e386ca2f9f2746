"""The command line reads a key that starts with "-" as the value of --public-key / --log-key."""

from __future__ import annotations

from services.cli.main import build_parser, glue_key_values

DASH_KEY = "-Zk3bQx0tq1Ur3b6xJ0mW2m1sV0g9s1a3Yx7bq8cZ4"


def test_a_key_starting_with_a_dash_is_the_options_value() -> None:
    argv = glue_key_values(["verify", "bundle.json", "--log-key", DASH_KEY, "--json"])
    assert argv == ["verify", "bundle.json", f"--log-key={DASH_KEY}", "--json"]
    args = build_parser().parse_args(argv)
    assert args.log_key == DASH_KEY
    assert args.json is True


def test_other_arguments_and_glued_forms_are_left_alone() -> None:
    argv = ["keys", "check", "f.json", f"--public-key={DASH_KEY}", "--", "-"]
    assert glue_key_values(argv) == argv
    assert glue_key_values(["verify", "--log-key"]) == ["verify", "--log-key"]
