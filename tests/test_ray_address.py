"""`--ray` with an address nothing answers at, or that is not an address: one line at once, nothing stored."""
from __future__ import annotations

import socket

import pytest

from conftest import clout


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.parametrize("command", ["ingest", "sync"])
def test_an_address_where_nothing_listens_is_refused_in_one_line(command, tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("A note on the sponsor's decision.")
    address = f"127.0.0.1:{closed_port()}"
    result = clout(command, "--ray", address, *([str(note)] if command == "ingest" else []), data_dir=tmp_path / "data")
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: nothing answers at the Ray address {address} (Connection refused); is the cluster started?"


def test_something_that_is_not_an_address_is_refused_by_the_environment_variable_too(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("A note on the sponsor's decision.")
    result = clout("ingest", str(note), data_dir=tmp_path / "data", env={"CLOUT_RAY_ADDRESS": "nonsense"})
    assert result.exit_code == 1 and "'nonsense' is not a Ray address" in result.output
