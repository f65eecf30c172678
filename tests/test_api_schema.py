"""Schemathesis against /api/openapi.json over the real app and a real small knowledge base: no 500, responses conform.

The cases are drawn by Hypothesis from the OpenAPI document the app serves, then sent to the real Flask app
in-process (WSGI) over the web tests' knowledge base (the seed corpus, a real-audio episode, a hostile article).
`call_and_validate` runs every schemathesis check: no 5xx, status codes and content types the document lists,
bodies that match their schemas, and — for negative cases — requests that break the document are refused.
The example counts are fixed and derandomized so the run is repeatable and takes well under a minute.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

import webkb

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# (operation, mode, examples); /api/health takes no parameters, so there is nothing to break.
RUNS = [
    ("/api/search", POSITIVE, 100), ("/api/search", NEGATIVE, 80),
    ("/api/documents/{doc_id}", POSITIVE, 20), ("/api/documents/{doc_id}", NEGATIVE, 20),
    ("/api/health", POSITIVE, 3), ("/api/openapi.json", POSITIVE, 3),
]


@pytest.fixture(scope="module")
def app(corpus_data, tmp_path_factory):
    from clout.settings import Settings
    from clout.index.kb import KnowledgeBase
    from clout.web import create_app

    data = webkb.build(corpus_data, tmp_path_factory.mktemp("schema"))
    return create_app(Settings(data_dir=data), KnowledgeBase(data, readonly=True), {"TESTING": True})


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.slow
@pytest.mark.parametrize(("path", "mode", "examples"), RUNS, ids=[f"{mode}-{path}" for path, mode, _ in RUNS])
def test_the_api_keeps_its_openapi_promises(api_schema, path, mode, examples):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate()

    check()


def test_every_stored_document_conforms(app, api_schema):
    """Random ids rarely hit a stored one, so each real document (articles and episodes) is checked once."""
    operation = api_schema["/api/documents/{doc_id}"]["GET"]
    ids = [doc.id for doc in app.extensions["clout_kb"].store.documents()]
    assert len(ids) >= 8
    for doc_id in ids:
        response = operation.Case(path_parameters={"doc_id": doc_id}).call_and_validate()
        assert response.status_code == 200


def test_a_search_without_a_question_is_refused_as_the_document_says(app):
    response = app.test_client().get("/api/search?k=3")
    assert response.status_code == 400 and response.json["error"] == "q is required: the question to search for"
    assert app.test_client().get("/api/search?q=&kind=&k=&mode=&offset=").status_code == 200
