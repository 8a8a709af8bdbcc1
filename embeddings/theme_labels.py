"""Theme names: distinctive terms by class-based TF-IDF and the type-plus-phrase label; pure
computation, no I/O (docs/decisions.md, "Themes")."""
from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

__all__ = ["LABEL_STOPWORDS", "ctfidf_terms", "dominant_type", "make_label", "representative_phrase", "theme_label"]

# Words that say how badly something went, not what it is about. Kept out of labels only; the
# similarity itself uses every token.
_LABEL_STOPWORD_TEXT = """
不够 不到位 到位 不足 不力 不严 不实 不强 不高 不多 不深 不细 不全 不清 不规范 规范 落实 工作 加强 执行
严格 有待 欠缺 差距 薄弱 环节 发挥 作用 充分 不充分 明显 突出 仍然 存在 问题 情况 方面 关于 有效
进一步 深入 及时 认真 做到 没有 未能 部分 个别 一些 有的 较多 较少 严重 主要 相关 有关 要求 按照 根据
提升 提高 完善 健全 不健全 建立 开展 推进 推动 坚持 形成 切实 全面 重要 精神 贯彻 实际 程度 单位
党组 机关 市委 县委 省委 中央 党中央 领导 同志 进行 组织 一是 二是 三是 二级 直属 下属 年度 以来
一步 履行 用力 机制 制度 管理 提出 意见 建议
"""
LABEL_STOPWORDS: frozenset[str] = frozenset(_LABEL_STOPWORD_TEXT.split())

_DIGITS = re.compile(r"^[0-9０-９.%-]+$")


def _labelable(term: str) -> bool:
    return len(term) >= 2 and term not in LABEL_STOPWORDS and not _DIGITS.match(term)


def ctfidf_terms(groups: Sequence[Sequence[int]], tokens: Sequence[Sequence[str]],
                 top: int = 8) -> list[list[tuple[str, float]]]:
    """The ``top`` most distinctive terms of each group, by class-based TF-IDF (BERTopic):
    ``tf(t, c) * log(1 + A / f(t))``. Here ``tf`` is the term's share of the group's tokens,
    ``A`` the average number of tokens per group, and ``f(t)`` the term's count over all groups.
    A term must occur in at least two of the group's problems, or it describes one problem and
    not the theme."""
    counts = [Counter(t for i in g for t in tokens[i]) for g in groups]
    docfreq = [Counter(t for i in g for t in set(tokens[i])) for g in groups]
    total = Counter()
    for c in counts:
        total.update(c)
    avg = sum(total.values()) / max(len(groups), 1)
    out = []
    for g, c, df in zip(groups, counts, docfreq, strict=True):
        size = sum(c.values()) or 1
        need = min(2, len(g))
        scored = [(t, (n / size) * math.log(1 + avg / total[t])) for t, n in c.items()
                  if _labelable(t) and df[t] >= need]
        scored.sort(key=lambda x: (-x[1], -len(x[0]), x[0]))
        out.append(_distinct(scored, top))
    return out


def _distinct(scored: list[tuple[str, float]], top: int) -> list[tuple[str, float]]:
    """Best terms without repeating one another: a term inside a chosen one is skipped, and a
    longer term that contains a chosen one replaces it if it scores at least half as much
    (理论学习中心组 over 中心组; jieba's search mode yields both)."""
    picked: list[tuple[str, float]] = []
    for term, score in scored:
        if any(term in p for p, _ in picked):
            continue
        inner = [n for n, (p, _) in enumerate(picked) if p in term]
        if not inner:
            picked.append((term, score))
        elif all(score >= 0.5 * picked[n][1] for n in inner):
            picked[inner[0]] = (term, picked[inner[0]][1])  # keeps the rank of the term it replaces
            picked = [x for n, x in enumerate(picked) if n not in inner[1:]]
        if len(picked) >= top:
            break
    return picked


def make_label(terms: Sequence[str], n: int = 3) -> str:
    """The theme's readable name: its first ``n`` terms joined by 、 (e.g. 意识形态、舆情、网络安全)."""
    return "、".join(terms[:n]) if terms else "其他"


def dominant_type(rows: Sequence[dict]) -> str | None:
    """The commonest first problem type among the members (ties: the one met first)."""
    firsts = Counter(r["types"][0] for r in rows if r.get("types"))
    return firsts.most_common(1)[0][0] if firsts else None


_CLAUSE = re.compile(r"[。；;，,：:！!？?]")


def representative_phrase(text: str, limit: int = 18) -> str:
    """The first clause of a statement, without the 关于…方面 frame: 中心组学习流于形式."""
    clause = next((c.strip() for c in _CLAUSE.split(text or "") if c.strip()), "")
    clause = re.sub(r"方面$", "", re.sub(r"^关于", "", clause))
    return clause if len(clause) <= limit else clause[:limit] + "…"


def theme_label(rows: Sequence[dict], centrality: Sequence[float], terms: Sequence[str], n: int = 3) -> str:
    """A theme's name: its dominant problem type and the phrase of its most central member of that
    type (形式主义官僚主义：精简会议未达标); the keyword label only when no member has a type."""
    dominant = dominant_type(rows)
    if dominant is None:
        return make_label(terms, n)
    typed = [i for i, r in enumerate(rows) if r.get("types") and r["types"][0] == dominant]
    best = max(typed, key=lambda i: (centrality[i], -i))
    return f"{dominant}：{representative_phrase(rows[best].get('text') or '')}"
