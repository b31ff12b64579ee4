"""Every command and sub-command answers --help."""

from __future__ import annotations

import argparse

import pytest

from airstream.cli import build_parser, main


def _commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    found = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.extend(_commands(sub, (*prefix, name)))
    return found


@pytest.mark.parametrize("command", _commands(build_parser()), ids=" ".join)
def test_help(command: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: airstream" in capsys.readouterr().out


def test_broker_command_is_registered() -> None:
    assert ("broker",) in _commands(build_parser())
