"""The OpenAPI 3 description of /api; a test validates it and checks it names exactly the API's routes."""
from __future__ import annotations

from clout.index.vocabulary import DATE, DEFAULT_K, DEFAULT_MODE, KINDS, MAX_FILTER_CHARS, MAX_K, MAX_OFFSET, MAX_QUERY_CHARS, MIN_K, MODES


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    parameter = {"name": name, "in": "query", "required": required, "description": description, "schema": schema}
    if not required:
        # The search page's form sends empty fields; the API reads an empty value as the parameter left out.
        parameter["allowEmptyValue"] = True
    return parameter


_DATE = {"type": "string", "pattern": DATE.pattern}

_ERROR = {"description": "The request failed", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}

_HIT = {
    "type": "object",
    "required": ["doc_id", "title", "kind", "source", "url", "text", "snippet", "start", "end", "score"],
    "properties": {
        "doc_id": {"type": "integer"},
        "title": {"type": "string"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "source": {"type": "string", "description": "The URL the document was ingested from, or a local "
                                                    "file's path from the folder or file ingested"},
        "url": {"type": "string", "description": "Where a reader sees the original"},
        "text": {"type": "string", "description": "The whole passage (plain text, untrusted)"},
        "snippet": {"type": "string", "description": "The passage trimmed around the best sentence (plain text)"},
        "highlight": {"type": "string", "description": "The snippet as escaped HTML with <mark> around query words"},
        "start": {"type": "number", "nullable": True, "description": "Seconds into the episode"},
        "end": {"type": "number", "nullable": True},
        "score": {"type": "number"},
        "chunk_id": {"type": "integer"},
        "author": {"type": "string"},
        "date": {"type": "string"},
        "site": {"type": "string", "description": "Site name, or the show of an episode"},
        "audio_url": {"type": "string", "description": "An episode's audio: the publisher's URL, or /media/<id>"},
        "speaker": {"type": "string", "description": "Who speaks at `start` in an episode: a name, or \"Speaker 1\" where nothing says who"},
        "chapter": {"type": "string", "description": "The title of the episode's chapter playing at `start`"},
    },
}

_QUOTE = {
    "type": "object",
    "required": ["doc_id", "kind", "title", "source", "url", "text", "start", "end", "speaker", "date", "author"],
    "properties": {
        "doc_id": {"type": "integer"},
        "kind": {"type": "string", "enum": list(KINDS)},
        "title": {"type": "string"},
        "source": {"type": "string", "description": "As a result's source"},
        "url": {"type": "string", "description": "An article's URL (or its Clout page) with a #:~:text= fragment for the quote; "
                                                "an episode's Clout page that plays it from `start` (/documents/<id>?t=SECONDS)"},
        "text": {"type": "string", "description": "One to three consecutive sentences, verbatim from the stored text or transcript (plain text, untrusted)"},
        "start": {"type": "number", "nullable": True, "description": "Seconds into the episode where the quote is spoken"},
        "end": {"type": "number", "nullable": True},
        "speaker": {"type": "string", "description": "Who speaks at `start` ('' when unknown or an article)"},
        "date": {"type": "string"},
        "author": {"type": "string"},
    },
}


def openapi_document(server: str) -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Clout",
            "version": "1",
            "description": "Search articles and podcast episodes about winning internal support.",
        },
        "servers": [{"url": server}],
        "paths": {
            "/api/search": {
                "get": {
                    "summary": "The passages that best answer a question, one per document",
                    "operationId": "search",
                    "parameters": [
                        _query("q", {"type": "string", "maxLength": MAX_QUERY_CHARS}, "The question", required=True),
                        _query("k", {"type": "integer", "minimum": MIN_K, "maximum": MAX_K, "default": DEFAULT_K}, "How many results"),
                        _query("mode", {"type": "string", "enum": list(MODES), "default": DEFAULT_MODE}, "Which retrieval to use"),
                        _query("kind", {"type": "string", "enum": list(KINDS)}, "Only articles or only episodes"),
                        _query("site", {"type": "string"}, "Only this site or show"),
                        _query("author", {"type": "string"}, "Only this author"),
                        _query("date_from", _DATE, "Published on or after (a year, month or day: 2017, 2017-09, 2017-09-22)"),
                        _query("date_to", _DATE, "Published on or before (a year, month or day)"),
                        _query("speaker", {"type": "string", "maxLength": MAX_FILTER_CHARS},
                               "Only episode passages where this speaker speaks (the whole name)"),
                        _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0},
                               "How many results to skip (for more results)"),
                        _query("answer", {"type": "string", "enum": ["0", "1"], "default": "1"},
                               "1: the answer card above the results (first page only); 0: leave it out"),
                    ],
                    "responses": {
                        "200": {"description": "Results, best first", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Results"}}}},
                        "400": _ERROR,
                        "403": _ERROR,
                        "500": _ERROR,
                    },
                }
            },
            "/api/documents/{doc_id}": {
                "get": {
                    "summary": "A whole document: article text, or transcript with timed segments",
                    "operationId": "document",
                    "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "The document", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Document"}}}},
                        "404": _ERROR,
                    },
                }
            },
            "/api/health": {
                "get": {
                    "summary": "Whether the service is up, and what it holds",
                    "operationId": "health",
                    "responses": {"200": {"description": "Healthy", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}},
                }
            },
            "/api/events": {
                "post": {
                    "summary": "A beacon from the page or the widget: a result opened, or an episode moment played",
                    "operationId": "event",
                    "requestBody": {"required": True, "content": {"text/plain": {"schema": {"$ref": "#/components/schemas/Event"}},
                                                                  "application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
                    "responses": {"204": {"description": "Recorded (or analytics are off)"}, "400": _ERROR, "401": _ERROR, "403": _ERROR},
                }
            },
            "/api/media/{doc_id}": {
                "get": {
                    "summary": "A URL that plays an episode's audio without a header: signed for an hour when a key is used",
                    "operationId": "mediaUrl",
                    "parameters": [{"name": "doc_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "The URL", "content": {"application/json": {"schema": {"type": "object"}}}},
                                  "401": _ERROR, "403": _ERROR},
                }
            },
            "/api/sync": {
                "get": {
                    "summary": "How each followed source's last sync went (admin key)",
                    "operationId": "syncStatus",
                    "security": [{"key": []}],
                    "responses": {"200": {"description": "Sources", "content": {"application/json": {"schema": {"type": "object"}}}},
                                  "401": _ERROR, "403": _ERROR},
                },
                "post": {
                    "summary": "Start `clout sync` of every followed source (admin key)",
                    "operationId": "sync",
                    "security": [{"key": []}],
                    "responses": {"202": {"description": "Started", "content": {"application/json": {"schema": {"type": "object"}}}},
                                  "401": _ERROR, "403": _ERROR, "409": _ERROR},
                },
            },
            "/api/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            # Needed on every route when the server requires keys (CLOUT_REQUIRE_KEY=1, `clout keys require on`).
            "securitySchemes": {"key": {"type": "http", "scheme": "bearer", "description": "A key from `clout keys create`"}},
            "schemas": {
                "Event": {
                    "type": "object",
                    "required": ["type", "doc_id"],
                    "properties": {
                        "type": {"type": "string", "enum": ["click", "play"]},
                        "doc_id": {"type": "integer", "minimum": 1},
                        "start": {"type": "number", "description": "Where the play began, seconds into the episode"},
                        "seconds": {"type": "number", "description": "How long it played"},
                        "q": {"type": "string", "description": "The query the result answered"},
                        "key": {"type": "string", "description": "The widget's key (a beacon cannot send headers)"},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["ok", "status", "error"],
                    "properties": {
                        "ok": {"type": "boolean", "enum": [False]},
                        "status": {"type": "integer"},
                        "error": {"type": "string", "description": "One sentence saying what was wrong"},
                    },
                },
                "Hit": _HIT,
                "Results": {
                    "type": "object",
                    "required": ["query", "results"],
                    "properties": {
                        "query": {"type": "string"},
                        "searched_for": {"type": "string", "description": "The query as searched, when a typo in it was forgiven"},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                        "answer": {"allOf": [{"$ref": "#/components/schemas/Answer"}], "nullable": True,
                                   "description": "The sentences that answer the question, quoted word for word; null when "
                                                  "nothing answers confidently, and on later pages or with answer=0"},
                    },
                },
                "Answer": {
                    "type": "object",
                    "required": ["quotes"],
                    "properties": {"quotes": {"type": "array", "minItems": 1, "maxItems": 2, "items": {"$ref": "#/components/schemas/Quote"},
                                              "description": "The best answer first; with an article and an episode making the same point, both"}},
                },
                "Quote": _QUOTE,
                "Document": {
                    "type": "object",
                    "required": ["doc_id", "kind", "title", "text", "segments"],
                    "properties": {
                        "doc_id": {"type": "integer"},
                        "kind": {"type": "string", "enum": list(KINDS)},
                        "title": {"type": "string"},
                        "source": {"type": "string"},
                        "url": {"type": "string"},
                        "author": {"type": "string"},
                        "date": {"type": "string"},
                        "site": {"type": "string"},
                        "duration": {"type": "number", "nullable": True},
                        "media_url": {"type": "string", "nullable": True, "description": "Plays the episode; supports Range"},
                        "text": {"type": "string"},
                        "segments": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["start", "end", "text"],
                                "properties": {
                                    "start": {"type": "number"}, "end": {"type": "number"}, "text": {"type": "string"},
                                    "speaker": {"type": "string", "description": "Who speaks: a name, or \"Speaker 1\" where nothing says who; absent when not known"},
                                },
                            },
                        },
                        "people": {
                            "type": "array",
                            "description": "The people the episode names (podcast:person, voice tags, voices recognised from earlier episodes)",
                            "items": {
                                "type": "object",
                                "required": ["name", "role"],
                                "properties": {"name": {"type": "string"}, "role": {"type": "string", "description": "host, guest ... ('' when not said)"}},
                            },
                        },
                        "chapters": {
                            "type": "array",
                            "description": "The publisher's chapters, or chapters Clout made from the transcript's topics",
                            "items": {
                                "type": "object",
                                "required": ["start", "title"],
                                "properties": {"start": {"type": "number"}, "title": {"type": "string"}},
                            },
                        },
                    },
                },
                "Health": {
                    "type": "object",
                    "required": ["ok", "documents", "chunks", "model"],
                    "properties": {
                        "ok": {"type": "boolean"},
                        "documents": {"type": "integer"},
                        "chunks": {"type": "integer"},
                        "model": {"type": "string"},
                    },
                },
            }
        },
    }
