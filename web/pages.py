"""Server-rendered pages: the search page (works without JavaScript), a document page, error pages."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for

from clout.index.answer import answer
from clout.index.search import facets, search, searched_for
from clout.index.vocabulary import MAX_QUERY_CHARS, SearchError

from .analytics import searched
from .card import card
from .params import DOC_ID, SearchParams, parse_search
from .present import article_paragraphs, clock, safe_highlight, text_fragment, turns

bp = Blueprint("pages", __name__)
PAGE_SIZE = 10

EXAMPLES = (
    "How do I get senior executives to buy in?",
    "How can I influence colleagues who don't report to me?",
    "What should I do when I have no authority?",
    "How do I map stakeholders before a big change?",
)


@bp.app_template_filter("clock")
def _clock(seconds):
    return clock(seconds)


@bp.app_template_filter("highlighted")
def _highlighted(value):
    return safe_highlight(value)


def _kb():
    return current_app.extensions["clout_kb"]


def search_url(params: SearchParams, endpoint: str = "pages.index", **changes) -> str:
    """The URL of this search with some parameters changed ('' removes one)."""
    values = {
        "q": params.q, "kind": params.filters.kind, "site": params.filters.site, "speaker": params.filters.speaker,
        "mode": "" if params.mode == "hybrid" else params.mode, "offset": params.offset or "",
    }
    values.update(changes)
    return url_for(endpoint) + "?" + urlencode({k: v for k, v in values.items() if v not in ("", None)})


def hit_links(hit) -> dict:
    """Where a result's title and buttons go."""
    document = url_for("pages.document", doc_id=hit.doc_id)
    if hit.kind == "episode":
        moment = url_for("pages.document", doc_id=hit.doc_id, t=int(hit.start or 0))
        return {"title": moment, "document": moment, "media": url_for("media.audio", doc_id=hit.doc_id)}
    fragment = text_fragment(hit.text)
    original = hit.url + fragment if hit.url.startswith(("http://", "https://")) else ""
    return {"title": original or document + fragment, "original": original, "document": document + fragment}


def results_context(params: SearchParams) -> dict:
    kb = _kb()
    size = current_app.config.get("CLOUT_PAGE_SIZE", PAGE_SIZE)
    hits = search(kb, params.q, k=size + 1, mode=params.mode, filters=params.filters, offset=params.offset) if params.q else []
    more = len(hits) > size
    # The card is the API's: chosen from the same first hits (all of them, the one past this page too).
    card_answer = answer(kb, params.q, hits) if params.q and not params.offset else None
    answer_card = card(card_answer, hits)
    hits = hits[:size]
    searched(params, hits, card_answer)
    counts = facets(kb, params.q, params.mode, params.filters) if params.q else {"kind": {}, "site": {}, "speaker": {}}
    return {
        "params": params,
        "query": params.q,
        "searched_for": searched_for(kb, params.q) if params.q else None,
        "hits": [(hit, hit_links(hit)) for hit in hits],
        "answer_card": answer_card,
        "facets": counts,
        "more_url": search_url(params, offset=params.offset + size) if more else "",
        "more_fragment_url": search_url(params, "pages.results", offset=params.offset + size) if more else "",
        "search_url": lambda **changes: search_url(params, **changes),
        "examples": EXAMPLES,
        "labels": {"article": "Articles", "episode": "Episodes"},
    }


def _params():
    try:
        return parse_search(request.args, default_k=PAGE_SIZE), ""
    except SearchError as exc:  # shown above the form, which keeps what was typed
        return SearchParams(q=request.args.get("q", "")[:MAX_QUERY_CHARS].strip()), str(exc)


@bp.get("/")
def index():
    params, problem = _params()
    return render_template("search.html", problem=problem, **results_context(params))


@bp.get("/results")
def results():
    """Just the results section, for the page's script to swap in while the user types."""
    params, problem = _params()
    template = "_more.html" if params.offset and request.args.get("append") else "_results.html"
    return render_template(template, problem=problem, **results_context(params))


@bp.get(f"/documents/<{DOC_ID}:doc_id>")
def document(doc_id: int):
    doc = _kb().store.document(doc_id)
    if doc is None:
        abort(404, description=f"There is no document {doc_id}.")
    try:
        t = max(0.0, float(request.args.get("t", 0) or 0))
    except ValueError:
        t = 0.0
    is_episode = doc.kind == "episode"
    paras = turns(doc.segments) if is_episode and doc.segments else []
    current = max((p[0] for p in paras if p[0] <= t), default=None) if t else None
    return render_template(
        "document.html",
        doc=doc,
        t=t,
        transcript=paras,
        current=current,
        text=[] if paras else article_paragraphs(doc.text),
        chapters=doc.chapters,
        people=doc.people,
        media=url_for("media.audio", doc_id=doc_id) if is_episode else "",
        original=doc.url if doc.url.startswith(("http://", "https://")) else "",
    )


def error_page(status: int, message: str):
    return render_template("error.html", status=status, message=message), status
