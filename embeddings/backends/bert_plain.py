"""A plain BERT encoder in torch alone, for the directories embeddings.convert writes.

Why not transformers' ``AutoModel``: loading it imports transformers' model machinery (~4 CPU s of
~6.6 s for the whole load of the default model on the Intel machine of session 10), which every
ingest, reindex and one-file import paid before its first vector; here torch, the Rust tokenizer and
the weights mapped from model.safetensors load in ~2.5 s. The forward is BERT's own (absolute
positions, post-layer-norm, exact GELU, padding keys masked), the module names are transformers'
(``encoder.layer.N.attention.self.query``), so int8 quantisation picks the same layers and oneDNN
packing the same Linears; tests compare the vectors with sentence-transformers' (cosine > 0.99999).
Anything else (another architecture or option) returns None and transformers loads it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["Bert", "PlainTokenizer", "load_plain_bert", "mapped_safetensors"]


class BertOutput(NamedTuple):
    last_hidden_state: torch.Tensor


def plain_bert_config(config: dict[str, Any]) -> bool:
    """Whether this config.json describes the BERT the module below computes, option for option."""
    return (config.get("model_type") == "bert" and config.get("position_embedding_type", "absolute") == "absolute"
            and config.get("hidden_act") == "gelu" and not config.get("is_decoder")
            and not config.get("add_cross_attention") and config.get("chunk_size_feed_forward", 0) == 0
            and config["hidden_size"] % config["num_attention_heads"] == 0)


def mapped_safetensors(path: Path) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file, mapped by the safetensors library rather than read: only the
    rows texts touch of the 250,037-row word-embedding table become resident."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as fh:
        return {name: fh.get_tensor(name) for name in fh.keys()}  # noqa: SIM118 - safe_open is no dict


class _SelfAttention(nn.Module):
    def __init__(self, d: int) -> None:
        super().__init__()
        self.query, self.key, self.value = nn.Linear(d, d), nn.Linear(d, d), nn.Linear(d, d)


class _Output(nn.Module):
    def __init__(self, d_in: int, d: int, eps: float) -> None:
        super().__init__()
        self.dense = nn.Linear(d_in, d)
        self.LayerNorm = nn.LayerNorm(d, eps=eps)

    def forward(self, x: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(x) + residual)


class _Attention(nn.Module):
    def __init__(self, d: int, eps: float) -> None:
        super().__init__()
        self.self = _SelfAttention(d)
        self.output = _Output(d, d, eps)


class _Intermediate(nn.Module):
    def __init__(self, d: int, inner: int) -> None:
        super().__init__()
        self.dense = nn.Linear(d, inner)


class _Layer(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d, eps = c["hidden_size"], c["layer_norm_eps"]
        self.heads = c["num_attention_heads"]
        self.attention = _Attention(d, eps)
        self.intermediate = _Intermediate(d, c["intermediate_size"])
        self.output = _Output(c["intermediate_size"], d, eps)

    def forward(self, h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, n, d = h.shape
        a = self.attention.self
        q, k, v = (m(h).view(b, n, self.heads, d // self.heads).transpose(1, 2) for m in (a.query, a.key, a.value))
        context = F.scaled_dot_product_attention(q, k, v, attn_mask=mask).transpose(1, 2).reshape(b, n, d)
        h = self.attention.output(context, h)
        return self.output(F.gelu(self.intermediate.dense(h)), h)


class _Embeddings(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        d = c["hidden_size"]
        self.word_embeddings = nn.Embedding(c["vocab_size"], d)
        self.position_embeddings = nn.Embedding(c["max_position_embeddings"], d)
        self.token_type_embeddings = nn.Embedding(c["type_vocab_size"], d)
        self.LayerNorm = nn.LayerNorm(d, eps=c["layer_norm_eps"])


class _Encoder(nn.Module):
    def __init__(self, c: dict[str, Any]) -> None:
        super().__init__()
        self.layer = nn.ModuleList(_Layer(c) for _ in range(c["num_hidden_layers"]))


class Bert(nn.Module):
    """BERT's encoder (no pooler: the vectors are means of the last hidden states)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__()
        self.config = _Config(config["hidden_size"], config["num_hidden_layers"])
        self.embeddings = _Embeddings(config)
        self.encoder = _Encoder(config)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> BertOutput:
        e = self.embeddings
        n = input_ids.shape[1]
        h = e.LayerNorm(e.word_embeddings(input_ids) + e.position_embeddings.weight[:n] + e.token_type_embeddings.weight[0])
        mask = attention_mask.bool()[:, None, None, :]   # padding keys take no attention
        for layer in self.encoder.layer:
            h = layer(h, mask)
        return BertOutput(h)


class _Config(NamedTuple):
    hidden_size: int
    num_hidden_layers: int


class PlainTokenizer:
    """The directory's tokenizer.json run by the Rust ``tokenizers`` library, called like transformers'
    fast tokenizer for what _MeanPooled asks of it (ids with or without the special tokens)."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self._tok = Tokenizer.from_file(str(path / "tokenizer.json"))
        self._tok.no_truncation()
        self._tok.no_padding()
        settings = _json(path / "tokenizer_config.json")
        # transformers 5's split_special_tokens: "<s>" typed in a text is text, not the special token
        self._tok.encode_special_tokens = bool(settings.get("split_special_tokens", False))
        pad = settings.get("pad_token")
        self.pad_token_id = self._tok.token_to_id(pad) if isinstance(pad, str) else None

    def __call__(self, text: str | list[str], add_special_tokens: bool = True, truncation: bool = False,
                 verbose: bool = False) -> dict[str, list]:
        if isinstance(text, str):
            return {"input_ids": self._tok.encode(text, add_special_tokens=add_special_tokens).ids}
        return {"input_ids": [e.ids for e in self._tok.encode_batch(list(text), add_special_tokens=add_special_tokens)]}


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def load_plain_bert(path: Path) -> tuple[Bert, PlainTokenizer] | None:
    """(model, tokenizer) for a converted directory whose config is plain_bert_config's BERT with one
    model.safetensors and a tokenizer.json; None for anything else."""
    config = _json(path / "config.json")
    weights = path / "model.safetensors"
    if not config or not weights.is_file() or not (path / "tokenizer.json").is_file():
        return None
    from safetensors import SafetensorError

    try:
        if not plain_bert_config(config):
            return None
        with torch.device("meta"):
            model = Bert(config)
        tensors = {k: v for k, v in mapped_safetensors(weights).items() if not k.startswith("pooler.")}
        model.load_state_dict(tensors, assign=True, strict=True)
    except (KeyError, RuntimeError, ValueError, TypeError, SafetensorError):
        return None   # names, shapes or a file that are not this BERT's: transformers reads it
    return model.eval(), PlainTokenizer(path)
