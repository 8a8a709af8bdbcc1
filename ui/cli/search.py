"""`xuncha search`, `xuncha similar`, `xuncha reindex`: thin commands over the SearchService
(docs/cli.md; docs/decisions.md, "Search")."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from embeddings.engines import BACKENDS, REGISTRY, uri_backends
from embeddings.engines import backend as backend_entry
from ui.cli.common import StageBars, UserError, emit_json, existing_workspace, json_option, workspace_option

__all__ = ["COMMANDS", "reindex", "search", "similar"]


def _model_option(fn: Callable) -> Callable:
    return click.option("--model", default=None, metavar="M",
                        help="向量模型(默认:建索引时用的模型)。")(fn)


def _k_option(fn: Callable) -> Callable:
    return click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
                        help="返回结果数。")(fn)


@contextmanager
def _service(workspace: Path | None, model: str | None) -> Iterator[Any]:
    """The workspace's SearchService (with `model` if given); a missing or empty workspace is an error."""
    with existing_workspace(workspace, model, need_reports=True) as ws:
        yield ws.search


def _filters(unit, level, region, year, category, kind, exclude_report, type_=None) -> dict[str, Any]:
    if type_:
        from reports.shared.notices import XunchaError
        from reports.store.problem_list import resolve_type

        try:
            resolve_type(type_)
        except XunchaError as exc:
            raise UserError.of(exc) from None
    return {"unit": unit, "level": level, "region": region, "year": year, "category": category,
            "kind": kind, "exclude_report": tuple(exclude_report), "type": type_}


TIER_WORDS = {"high": "高度相关", "possible": "可能相关"}


def _print_hits(hits: list[dict], header: str | None = None) -> None:
    """Ranked hits for people: tier, relevance as a percentage, unit, ids, text; a plain line when
    the query has no answer, and one when even the best match is weak."""
    if header:
        click.echo(header)
    if not hits:
        click.echo("  库中没有与此相关的问题")
        return
    if not any(h.get("tier") == "high" for h in hits):
        click.echo("  (最相近的结果相关度也不高,请对照原文判断)")
    for h in hits:
        text = h["text"] if len(h["text"]) <= 80 else h["text"][:80] + "…"
        tier = TIER_WORDS.get(h.get("tier") or "", "")
        score = f"{h['score']:.0%}" if h.get("calibrated") else f"{h['score']:.3f}"
        click.echo(f"{h['rank']:>3}. {tier} {score:>4}  {h.get('unit_short') or h['unit'] or ''}  "
                   f"[{h['report_id']} 问题 {h['problem_id']}]  {text}")


def _min_score_option(fn: Callable) -> Callable:
    return click.option("--min-score", "min_score", type=click.FloatRange(0.0, 1.0), default=None, metavar="S",
                        help="只返回得分(估计的相关概率,0-1)不低于 S 的结果;默认不截断:有答案的检索返回"
                             "前 k 个结果并分档(高度相关/可能相关),库中没有答案的检索返回空。")(fn)


def _filter_options(fn: Callable) -> Callable:
    options = [
        click.option("--unit", help="单位(全称或简称,可只写一部分)。"),
        click.option("--level", help="层级:省、市或县。"),
        click.option("--region", help="地区(可只写一部分,如 张家界)。"),
        click.option("--year", type=int, help="巡察(视)年份。"),
        click.option("--category", help="问题类别(可只写一部分)。"),
        click.option("--kind", type=click.Choice(["巡视", "巡察"]), help="巡视或巡察。"),
        click.option("--exclude-report", "exclude_report", multiple=True, metavar="ID",
                     help="排除这份报告的问题(可重复)。"),
        click.option("--type", "type_", metavar="TYPE",
                     help="问题类型,中文名称或编号(见 `xuncha problems --types`)。"),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command()
@click.argument("query", required=False)
@click.option("--batch", "batch", type=click.File("r", encoding="utf-8"), default=None, metavar="FILE",
              help="FILE 每行一个检索('-' 为标准输入);每行输出一个 JSON 数组。")
@_k_option
@_min_score_option
@_filter_options
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None,
              help="检索方式(默认 hybrid:向量 + BM25,按校准后的相关概率排序)。")
@_model_option
@json_option
@workspace_option
def search(query: str | None, batch, k: int, min_score: float | None, unit, level, region, year, category, kind,
           exclude_report, type_, mode: str | None, model: str | None, as_json: bool, workspace: Path | None) -> None:
    """在全部报告中检索与 QUERY 相似的问题(或 --batch FILE 的每一行)。"""
    from embeddings.service import DEFAULT_MODE

    if (query is None) == (batch is None):
        raise UserError("query_or_batch")
    filters = _filters(unit, level, region, year, category, kind, exclude_report, type_)
    mode = mode or DEFAULT_MODE
    with _service(workspace, model) as service:
        service.ensure_ready(progress=StageBars())
        if batch is None:
            hits = service.search(query, k=k, filters=filters, mode=mode, min_score=min_score)
            emit_json(hits) if as_json else _print_hits(hits)
            return
        lines = batch.read().splitlines()
        results = service.search_batch(lines, k=k, filters=filters, mode=mode, skip_invalid=True,
                                       min_score=min_score)
        for line, hits in zip(lines, results, strict=True):
            if as_json:
                emit_json(hits)
            elif (why := _unusable(line)) is not None:
                click.echo(f"# {line}\n  已跳过:{why}")
            else:
                _print_hits(hits, header=f"# {line}")


def _unusable(query: str) -> str | None:
    """Why a line of --batch is not searched (empty, punctuation only), in Chinese; None if it is."""
    from embeddings.service import MAX_QUERY_CHARS, clean_query
    from reports.shared.notices import XunchaError

    try:
        clean_query(" ".join(query.split())[:MAX_QUERY_CHARS])  # the search itself warns about a long one
    except XunchaError as exc:
        return exc.notice.chinese()
    return None


@click.command()
@click.argument("report_id")
@click.argument("problem_id")
@_k_option
@_min_score_option
@_filter_options
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None,
              help="检索方式(默认 hybrid)。")
@_model_option
@json_option
@workspace_option
def similar(report_id: str, problem_id: str, k: int, min_score: float | None, unit, level, region, year, category,
            kind, exclude_report, type_, mode: str | None, model: str | None, as_json: bool, workspace: Path | None) -> None:
    """其他报告中与 REPORT_ID 的问题 PROBLEM_ID 相似的问题。"""
    from embeddings.service import DEFAULT_SIMILAR_MODE

    filters = _filters(unit, level, region, year, category, kind, exclude_report, type_)
    with _service(workspace, model) as service:
        service.ensure_ready(progress=StageBars())
        hits = service.similar(report_id, problem_id, k=k, filters=filters, mode=mode or DEFAULT_SIMILAR_MODE,
                               min_score=min_score)
    emit_json(hits) if as_json else _print_hits(hits)


@click.command()
@_model_option
@click.option("--backend", type=click.Choice(BACKENDS), default=None,
              help="检索引擎:" + ";".join(f"{b.name}({b.help})" for b in REGISTRY) + "。不指定则保持当前引擎。")
@click.option("--uri", default=None, metavar="URI",
              help="Milvus 服务器地址,例如 http://host:19530(默认:环境变量 XUNCHA_MILVUS_URI 或 Milvus Lite)。")
@json_option
@workspace_option
def reindex(model: str | None, backend: str | None, uri: str | None, as_json: bool,
            workspace: Path | None) -> None:
    """从数据库重建检索索引(用 --model M 换向量模型,--backend 换检索引擎)。"""
    if uri is not None and backend is not None and backend not in uri_backends():
        raise UserError("uri_unsupported", backends=", ".join(uri_backends()))
    bars = StageBars()
    with existing_workspace(workspace, None) as ws:
        summary = ws.reindex(model=model, progress=bars, backend=backend or (uri_backends()[0] if uri else None),
                             uri=uri)
    bars.close()
    if as_json:
        emit_json(summary)
    else:
        kind = INDEX_KINDS.get(summary["kind"], summary["kind"])
        engine = backend_entry(summary.get("backend")).label
        click.echo(f"已用向量模型 {summary['model']} 为 {summary['total']} 条问题重建索引"
                   f"({kind},检索引擎 {engine},用时 {summary['seconds']:.1f} 秒)", err=True)


# How the reindex line names the index kind (the JSON keeps the codes; engines: their registry label).
INDEX_KINDS = {"flat": "精确检索", "ivf": "IVF 近似检索"}


COMMANDS = (search, similar, reindex)
