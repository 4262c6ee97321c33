"""portal reject REF --stage STAGE --reason TEXT: send the items back to the informant (a signed decision)."""
from __future__ import annotations

import argparse

from portal.commands.approve import decide, decision_arguments
from review import records


def add_arguments(parser: argparse.ArgumentParser) -> None:
    decision_arguments(parser, "退回")
    parser.add_argument("--reason", required=True, help="退回理由（写给信息员，说明要改什么）")


def run(args: argparse.Namespace) -> int:
    return decide(args, records.REJECT, args.reason)
