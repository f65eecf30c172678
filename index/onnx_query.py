"""Query embedding through ONNX Runtime: the bundled model exported once, checked against torch, run on one thread.

Why: an ONNX Runtime session has its own thread count, so the query path can run on one thread (see
threads.py for why one) without lowering torch's, which is global and would slow ingest. It is also
about twice as fast per query.

The export is made on first use from the already-loaded sentence-transformers model, accepted only if
its vectors match torch's (cosine >= MIN_COSINE on probe sentences), and cached under the cache
directory keyed by the model files and library versions. Any failure means: use torch, and say why.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from pathlib import Path

import numpy as np

from .threads import query_session_options

log = logging.getLogger(__name__)

EXPORT_VERSION = 1
MIN_COSINE = 0.999
PROBES = (
    "emotional signature",
    "my CFO only cares about numbers, how do I pitch customer experience?",
    "How do you get people to help you when you have no clout? " * 12,  # longer than the model's window
    "ünïcödé — “quotes” & <tags> 123",
)

_lock = threading.Lock()


def cache_key(model_path: str) -> str:
    """Changes whenever the model files or the libraries that export and run it change."""
    import onnxruntime
    import torch

    h = hashlib.sha256(f"v{EXPORT_VERSION} torch {torch.__version__} ort {onnxruntime.__version__}".encode())
    for name in ("config.json", "model.safetensors", "pytorch_model.bin", "tokenizer.json", "1_Pooling/config.json"):
        path = Path(model_path) / name
        if path.exists():
            stat = path.stat()
            h.update(f"{name} {stat.st_size} {int(stat.st_mtime)}".encode())
    return h.hexdigest()[:16]


class QueryEncoder:
    """One ONNX Runtime session on one thread, with the model's own tokenizer; safe to share across threads."""

    def __init__(self, onnx_path: Path, model_path: str, max_tokens: int):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.session = ort.InferenceSession(str(onnx_path), query_session_options(), providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()

    def encode(self, text: str) -> np.ndarray:
        enc = self.tokenizer.encode(text)
        feed = {
            "input_ids": np.asarray([enc.ids], dtype=np.int64),
            "attention_mask": np.asarray([enc.attention_mask], dtype=np.int64),
            "token_type_ids": np.asarray([enc.type_ids], dtype=np.int64),
        }
        return self.session.run(None, feed)[0][0].astype(np.float32)


def _export(model, target: Path) -> None:
    """Write the transformer with mean pooling and normalisation as one ONNX graph (TorchScript exporter)."""
    import torch

    transformer = model[0].auto_model.eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    ids = torch.tensor([[101, 7592, 2088, 102]], dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            Pooled(transformer),
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def agreement(encoder: QueryEncoder, reference: np.ndarray) -> float:
    """Lowest cosine between the ONNX vectors and torch's for the probe sentences."""
    mine = np.vstack([encoder.encode(p) for p in PROBES])
    return float(np.min(np.sum(mine * reference, axis=1)))


def load(model_path: str, cache_dir: Path, get_model) -> QueryEncoder:
    """The checked ONNX encoder for the model at `model_path`, exporting it on first use.

    `get_model()` returns the loaded SentenceTransformer; it is called only to export and check, so a
    process that finds the export cached never loads torch's copy for queries.
    Raises RuntimeError (or the exporter's own error) when it cannot be made or does not match torch.
    """
    cache_dir = Path(cache_dir)
    target = cache_dir / f"query-encoder-{cache_key(model_path)}.onnx"
    sidecar = target.with_suffix(".json")
    with _lock:
        if target.exists() and sidecar.exists():
            try:
                info = json.loads(sidecar.read_text())
            except (OSError, ValueError):
                info = {}
            if info.get("bytes") == target.stat().st_size and info.get("cosine", 0) >= MIN_COSINE:
                return QueryEncoder(target, model_path, int(info["max_tokens"]))
        model = get_model()
        max_tokens = int(getattr(model, "max_seq_length", 256) or 256)
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=target.name + ".", suffix=".tmp")
        os.close(fd)
        try:
            _export(model, Path(tmp))
            encoder = QueryEncoder(Path(tmp), model_path, max_tokens)
            reference = np.asarray(model.encode(list(PROBES), normalize_embeddings=True), dtype=np.float32)
            cosine = agreement(encoder, reference)
            if cosine < MIN_COSINE:
                raise RuntimeError(f"its vectors differ from torch's (cosine {cosine:.4f} < {MIN_COSINE})")
            os.replace(tmp, target)  # concurrent exporters each write their own file; the last one wins, whole
            sidecar.write_text(json.dumps({"bytes": target.stat().st_size, "cosine": cosine, "max_tokens": max_tokens}))
            log.info("exported the query encoder to %s (cosine %.5f)", target, cosine)
            return QueryEncoder(target, model_path, max_tokens)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
