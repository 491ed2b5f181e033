"""`sogabot` subcommands of the privacy capability."""

from __future__ import annotations

import argparse


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Add this capability's subcommands; each sets `func(args, ctx) -> int`."""
