"""The stems highlighting and moment scoring match by: the same from any number of server threads."""
from __future__ import annotations

import threading

from clout.index import terms

WORDS = [f"{stem}{suffix}" for stem in ("relation", "conditional", "generalization", "hopeful", "formality",
                                        "sensitivity", "electrical", "operator", "feudalism", "decisiveness")
         for suffix in ("", "s", "ness", "ly", "ing", "ed", "ational", "izer", "ization", "fulness")] * 40


def test_stemming_from_many_threads_gives_what_one_thread_gives():
    stem = terms.stem.__wrapped__  # past the cache, so every call reaches a stemmer
    expected = [stem(w) for w in WORDS]
    results, errors = {}, []

    def work(n: int):
        try:
            results[n] = [stem(w) for w in WORDS]
        except Exception as e:  # noqa: BLE001 - a shared stemmer fails with IndexError here
            errors.append(repr(e))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert all(results[n] == expected for n in range(8))
    assert terms.stem("policies") == terms.stem("policy")
