"""One place decides what a search may ask for: the CLI, the API's parsing, the filters and the OpenAPI document agree with it."""
from __future__ import annotations

import click
import pytest

from clout.index import vocabulary as v


def _cli_options() -> dict[str, click.Parameter]:
    from clout.cli import _register, cli

    _register()
    return {p.name: p for p in cli.commands["search"].params}


def _api_parameters() -> dict[str, dict]:
    from clout.web.openapi import openapi_document

    operation = openapi_document("http://127.0.0.1")["paths"]["/api/search"]["get"]
    return {p["name"]: p["schema"] for p in operation["parameters"]}


def test_the_cli_choices_and_ranges_are_the_vocabulary():
    options = _cli_options()
    assert tuple(options["mode"].type.choices) == v.MODES and options["mode"].default == v.DEFAULT_MODE
    assert tuple(options["kind"].type.choices) == v.KINDS
    assert (options["k"].type.min, options["k"].type.max, options["k"].default) == (v.MIN_K, v.MAX_K, v.DEFAULT_K)
    assert (options["offset"].type.min, options["offset"].type.max) == (0, v.MAX_OFFSET)


def test_the_openapi_enums_and_limits_are_the_vocabulary():
    schema = _api_parameters()
    assert tuple(schema["mode"]["enum"]) == v.MODES and schema["mode"]["default"] == v.DEFAULT_MODE
    assert tuple(schema["kind"]["enum"]) == v.KINDS
    assert (schema["k"]["minimum"], schema["k"]["maximum"], schema["k"]["default"]) == (v.MIN_K, v.MAX_K, v.DEFAULT_K)
    assert (schema["offset"]["minimum"], schema["offset"]["maximum"]) == (0, v.MAX_OFFSET)
    assert schema["q"]["maxLength"] == v.MAX_QUERY_CHARS
    assert schema["date_from"]["pattern"] == schema["date_to"]["pattern"] == v.DATE.pattern


def test_request_parsing_and_the_filters_enforce_the_vocabulary():
    from clout.index.search import Filters, SearchError
    from clout.web.params import parse_search

    assert parse_search({}).k == v.DEFAULT_K and parse_search({}).mode == v.DEFAULT_MODE
    for mode in v.MODES:
        assert parse_search({"mode": mode}).mode == mode
    for kind in v.KINDS:
        assert parse_search({"kind": kind}).filters.kind == kind
    good = {"k": str(v.MAX_K), "offset": str(v.MAX_OFFSET), "q": "x" * v.MAX_QUERY_CHARS, "date_from": "2017-09"}
    assert parse_search(good).k == v.MAX_K
    for bad in ({"k": str(v.MAX_K + 1)}, {"k": str(v.MIN_K - 1)}, {"offset": str(v.MAX_OFFSET + 1)},
                {"q": "x" * (v.MAX_QUERY_CHARS + 1)}, {"mode": "fuzzy"}, {"kind": "video"}, {"date_to": "2017-9"}):
        with pytest.raises(SearchError):
            parse_search(bad)
    for date in ("2017", "2017-09", "2017-09-22"):
        assert Filters(date_from=date).date_from == date and v.DATE.fullmatch(date)
    for date in ("17", "2017-9", "2017/09/22", "last week"):
        with pytest.raises(SearchError, match="date_from must be a date"):
            Filters(date_from=date)
    # The API takes a date exactly as its pattern says; the library's filters forgive surrounding spaces.
    for date in ("17", "2017-9", "last week", "2017\n", " 2017"):
        with pytest.raises(SearchError, match="date_from must be a date"):
            parse_search({"date_from": date})
