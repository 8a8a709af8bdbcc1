"""Lexical side of search: jieba search-mode tokens, formulaic phrases kept whole, lexicon concept tokens
(embeddings/lexicon.py), BM25 as term counts weighted at query time (embeddings/bm25_counts.py). Why: docs/decisions.md (Search; Search quality)."""
from __future__ import annotations

import json
import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from reports.grammar import WORDY

from .bm25_counts import TermCounts, counts_of_docs, is_counts_dir
from .jieba_dict import initialize
from .lexicon import Lexicon, default_lexicon

__all__ = ["PHRASES", "STOPWORDS", "TOKENIZER_VERSION", "DeferredLexical", "LexicalIndex", "Tokenizer", "get_tokenizer"]

# Formulaic phrases of Party-discipline writing. Each is one token, so a query for 三会一课 does not
# match every text that merely contains 三 and 会.
PHRASES: tuple[str, ...] = (
    "三会一课", "三重一大", "一岗双责", "八项规定", "中央八项规定", "两个维护", "四个意识", "四个自信",
    "两个确立", "四风", "中心组", "理论学习中心组", "民主集中制", "民主生活会", "组织生活会",
    "主题党日", "形式主义", "官僚主义", "享乐主义", "奢靡之风", "意识形态", "全面从严治党",
    "党风廉政建设", "主体责任", "监督责任", "第一责任人", "两个责任", "好人主义", "一言堂",
    "末位表态", "立行立改", "回头看", "两张皮", "清廉机关", "因私出国", "三龄两历一身份",
    "凡提四必", "双随机一公开", "双随机", "指尖上的形式主义", "靠山吃山", "送戏下乡",
    "个人有关事项", "个人事项", "干部选拔任用", "选人用人", "廉政风险", "专项资金", "公务接待",
    "政府采购", "财经纪律", "纪检监察组", "派驻纪检监察组", "巡视整改", "巡察整改", "后半篇文章",
    "网络意识形态", "网络安全", "政协委员", "社情民意", "党建引领", "党管干部", "一会四评",
    "八小时外", "船到码头车到站", "乡村振兴", "营商环境", "流于形式", "走过场",
)

# Function words and report boilerplate: frequent everywhere, they only add noise to BM25.
# Negations (不, 未, 没有) are here too: nearly every problem statement contains one.
_STOPWORD_TEXT = """
的 地 得 了 着 过 和 与 及 以及 或 或者 并 并且 而 而且 且 等 等等 之 其 其中 这 那 这些 那些 此 该 在 于 对 对于 向 从 把 被 将 为 为了 以
由 由于 因 因为 所 所以 就 也 都 又 还 再 更 很 较 比较 最 是 有 无 不 未 没 没有 非 否 个 些 一些 一 一是 二是 三是 四是 五是 中 上 下 内 外
里 前 后 时 年 月 日 关于 方面 存在 问题 情况 进行 我们 我 我局 其他 有的 个别 部分 仍 仍然 依然 已 已经 尚 尚未 至今 如 如何 即 则 但 但是 却 虽
虽然 能 会 要 需 需要 应 应当 可 可以 一定 进一步 还有
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())


def _version(phrases: Iterable[str], stopwords: Iterable[str], mode: str, lexicon: Lexicon | None) -> str:
    """Changes whenever tokens could change, so cached token lists are recomputed."""
    import hashlib

    import jieba

    blob = "\n".join(["v3", mode, getattr(jieba, "__version__", "?"), lexicon.version if lexicon else "-",
                      *sorted(phrases), "--", *sorted(stopwords)])
    return f"jieba-{mode}-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:12]}"


# Letters, digits or CJK: anything else (punctuation, symbols, spaces) is dropped.
_WORDY = re.compile(f"[{WORDY}]")

_lock = threading.Lock()
_shared: Tokenizer | None = None


def _quiet_jieba() -> None:
    """jieba logs its dictionary load at DEBUG on stderr; one line per process is noise for a CLI."""
    logging.getLogger("jieba").setLevel(logging.WARNING)


class Tokenizer:
    """jieba search-mode tokens, formulaic phrases kept whole, stopwords and punctuation dropped.

    ``mode="exact"`` uses plain ``cut`` instead (kept for the measurement that chose search mode).
    """

    def __init__(self, phrases: Iterable[str] = PHRASES, stopwords: Iterable[str] = STOPWORDS,
                 mode: str = "search", lexicon: Lexicon | bool | None = True) -> None:
        if mode not in ("search", "exact"):
            raise ValueError(f"tokenizer mode must be 'search' or 'exact', not {mode!r}")
        import jieba

        _quiet_jieba()
        self.mode = mode
        self.stopwords = frozenset(stopwords)
        self.phrases = tuple(phrases)
        self._long_phrases = tuple(p for p in self.phrases if len(p) >= 4)
        # True: the shipped lexicon; None/False: no concept tokens (kept for the measurement)
        self.lexicon: Lexicon | None = default_lexicon() if lexicon is True else (lexicon or None)
        self.version = _version(self.phrases, self.stopwords, mode, self.lexicon)
        self._jieba = jieba.Tokenizer()  # our own instance: the global jieba.dt stays untouched
        if jieba.dt.initialized:
            # the process already paid ~1 s for the global dictionary (entity extraction uses it):
            # a copy of its prefix dictionary takes a few ms
            self._jieba.FREQ, self._jieba.total = dict(jieba.dt.FREQ), jieba.dt.total
            self._jieba.initialized = True
        else:
            initialize(self._jieba)  # from xuncha's piecewise cache: faster, and other threads keep running
        for phrase in self.phrases:
            # a frequency high enough that the phrase wins over its pieces in the DAG
            self._jieba.add_word(phrase, freq=max(self._jieba.suggest_freq(phrase), 50_000))

    def tokenize(self, text: str) -> list[str]:
        """Tokens of one text, in order, duplicates kept (BM25 counts term frequency)."""
        text = unicodedata.normalize("NFKC", text or "").lower()
        if self.mode == "exact":
            pieces = list(self._jieba.cut(text))
        else:
            pieces = []
            for piece in self._jieba.cut_for_search(text):
                pieces.append(piece)
                # search mode adds only 2- and 3-character sub-words; a phrase inside a longer one
                # (八项规定 in 中央八项规定, 形式主义 in 指尖上的形式主义) is added here
                if len(piece) > 4:
                    pieces.extend(p for p in self._long_phrases if p != piece and p in piece)
        words = [t for t in (p.strip() for p in pieces) if t and t not in self.stopwords and _WORDY.search(t)]
        return words + self.lexicon.tokens(text) if self.lexicon is not None else words

    def tokenize_many(self, texts: Iterable[str]) -> list[list[str]]:
        return [self.tokenize(t) for t in texts]


TOKENIZER_VERSION = _version(PHRASES, STOPWORDS, "search", default_lexicon())


def tokenizer_loaded() -> bool:
    """Whether get_tokenizer() would return at once (the app answers dense-only until then)."""
    return _shared is not None


def get_tokenizer() -> Tokenizer:
    """One shared search-mode tokenizer per process: building one costs about a second."""
    global _shared
    with _lock:
        if _shared is None:
            _shared = Tokenizer()
        return _shared


class LexicalIndex:
    """BM25 (Lucene variant, k1=1.5, b=0.75) over pre-tokenised documents, addressed by position.

    ``scores`` returns one float per document so that the caller can apply filters as a mask and
    pick its own top-k; a document sharing no term with the query scores exactly 0. Kept as term
    counts weighted at query time (embeddings/bm25_counts.py), so a sync updates it per report; a
    build saved by bm25s before that is still read (``load``) until the next sync rewrites it.
    """

    def __init__(self, docs: Sequence[Sequence[str]] = (), *, counts: TermCounts | None = None,
                 legacy=None, size: int | None = None) -> None:
        self._counts = counts if counts is not None else (counts_of_docs(docs) if docs else None)
        self._bm25 = legacy   # a bm25s index of an earlier build
        self.size = size if size is not None else (self._counts.size if self._counts is not None else len(docs))

    @property
    def legacy(self) -> bool:
        """Whether this is a bm25s build of an earlier version (a sync replaces it)."""
        return self._bm25 is not None

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (float32, length ``size``)."""
        if self._bm25 is not None:
            ids = self._bm25.get_tokens_ids(list(query_tokens))
            if not ids:
                return np.zeros(self.size, dtype=np.float32)
            return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)
        if self._counts is None:
            return np.zeros(self.size, dtype=np.float32)
        return self._counts.scores(query_tokens)

    def known(self, tokens: Iterable[str]) -> list[str]:
        """The tokens that occur somewhere in the corpus, in order (the rest cannot match anything)."""
        if self._bm25 is not None:
            return [t for t in tokens if t in self._bm25.vocab_dict]
        return self._counts.known(tokens) if self._counts is not None else []

    def save(self, directory: str | os.PathLike, uids: np.ndarray) -> None:
        """Write the counts into ``directory`` (a caller's temp directory), rows in ``uids``'s order."""
        counts = self._counts if self._counts is not None else counts_of_docs([])
        if self._bm25 is not None or len(uids) != self.size:
            raise ValueError("only an index of term counts over these rows can be saved")
        Path(directory).mkdir(parents=True, exist_ok=True)
        counts.save(Path(directory), np.asarray(uids, dtype=np.int64))

    @staticmethod
    def saved(directory: str | os.PathLike) -> bool:
        """Whether ``directory`` holds a saved index (either format)."""
        return is_counts_dir(directory) or (Path(directory) / "size.json").is_file()

    @classmethod
    def load(cls, directory: str | os.PathLike) -> LexicalIndex:
        """The saved index; its postings are memory-mapped, so a query reads its own terms' columns."""
        if is_counts_dir(directory):
            counts = TermCounts.load(Path(directory))
            return cls(counts=counts)
        # a build of an earlier version: bm25s's files (npy + JSON, allow_pickle=False)
        import bm25s

        size = int(json.loads((Path(directory) / "size.json").read_text("utf-8"))["size"])
        legacy = bm25s.BM25.load(str(directory), allow_pickle=False, show_progress=False, mmap=True) if size else None
        return cls(legacy=legacy, size=size)

    @staticmethod
    def order(directory: str | os.PathLike) -> np.ndarray:
        """The problem uids of a saved index's rows, in order (``uids.npy``; ``uids.json`` before)."""
        if is_counts_dir(directory):
            return TermCounts.uids(Path(directory))
        return np.asarray(json.loads((Path(directory) / "uids.json").read_text("utf-8")), dtype=np.int64)

    def memory_bytes(self) -> int:
        """Size of the arrays scored with (the vocabulary is not counted)."""
        if self._bm25 is not None:
            return int(sum(self._bm25.scores[k].nbytes for k in ("data", "indices", "indptr")))
        return self._counts.memory_bytes() if self._counts is not None else 0


class DeferredLexical:
    """A build's BM25 index, loaded when a query first scores with it: a dense answer needs none, and
    loading reads its vocabulary (and, for a build of an earlier version, imports bm25s and scipy.sparse:
    ~0.35 CPU s), which the app's first, dense-only answer need not wait for (docs/decisions.md, issue 23 third pass). Any attribute is the loaded index's."""

    def __init__(self, load: Callable[[], LexicalIndex]) -> None:
        self._load = load
        self._index: LexicalIndex | None = None
        self._guard = threading.Lock()

    def index(self) -> LexicalIndex:
        with self._guard:
            if self._index is None:
                self._index = self._load()
            return self._index

    def __getattr__(self, name: str):
        return getattr(self.index(), name)

