"""Every command, subcommand and option of ``cocalc-async`` says what it does in ``--help``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from cocalc_async.cli.parser import build_parser


def _walk(
    parser: argparse.ArgumentParser, name: str
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub_name, sub in action.choices.items():
                yield from _walk(sub, f"{name} {sub_name}")


def _subcommand_help(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                out[choice.dest] = choice.help
    return out


def test_every_command_and_option_has_help() -> None:
    missing = []
    seen = 0
    for name, parser in _walk(build_parser(), "cocalc-async"):
        if not (parser.description or "").strip():
            missing.append(f"{name}: no description")
        for sub, text in _subcommand_help(parser).items():
            if not (text or "").strip():
                missing.append(f"{name} {sub}: no help line")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            seen += 1
            if action.help is argparse.SUPPRESS or not (action.help or "").strip():
                missing.append(f"{name} {'/'.join(action.option_strings) or action.dest}")
    assert missing == []
    assert seen > 100  # the walk really reached the subcommands


def test_the_course_actions_are_all_there() -> None:
    names = [name for name, _ in _walk(build_parser(), "cocalc-async")]
    for action in ("provision", "collect", "return", "status"):
        assert f"cocalc-async course {action}" in names
    assert "cocalc-async demo" in names
