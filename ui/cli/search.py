"""`xuncha search`, `xuncha similar`, `xuncha reindex`: thin commands over the SearchService
(DESIGN.md section 6; docs/decisions.md, "Search")."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from ui.cli.common import StageBars, UserError, emit_json, existing_workspace, json_option, workspace_option

__all__ = ["COMMANDS", "reindex", "search", "similar"]


def _model_option(fn: Callable) -> Callable:
    return click.option("--model", default=None, metavar="M",
                        help="Embedding model (default: the one the index was built with).")(fn)


def _k_option(fn: Callable) -> Callable:
    return click.option("-k", "k", type=click.IntRange(1, 1000), default=10, show_default=True,
                        help="Number of results.")(fn)


@contextmanager
def _service(workspace: Path | None, model: str | None) -> Iterator[Any]:
    """The workspace's SearchService (with `model` if given); a missing workspace is an error."""
    with existing_workspace(workspace, model) as ws:
        yield ws.search


def _filters(unit, level, region, year, category, kind, exclude_report, type_=None) -> dict[str, Any]:
    if type_:
        from reports.notices import XunchaError
        from reports.problem_list import resolve_type

        try:
            resolve_type(type_)
        except XunchaError as exc:
            raise UserError.of(exc) from None
    return {"unit": unit, "level": level, "region": region, "year": year, "category": category,
            "kind": kind, "exclude_report": tuple(exclude_report), "type": type_}


def _print_hits(hits: list[dict], header: str | None = None) -> None:
    if header:
        click.echo(header)
    if not hits:
        click.echo("  (no results)")
    for h in hits:
        text = h["text"] if len(h["text"]) <= 80 else h["text"][:80] + "…"
        click.echo(f"{h['rank']:>3}. {h['score']:.4f}  {h.get('unit_short') or h['unit'] or ''}  "
                   f"[{h['report_id']} {h['problem_id']}]  {text}")


def _filter_options(fn: Callable) -> Callable:
    options = [
        click.option("--unit", help="Unit (full or short name, substring)."),
        click.option("--level", help="Level: 省, 市 or 县."),
        click.option("--region", help="Region (substring, e.g. 张家界)."),
        click.option("--year", type=int, help="Year of the inspection."),
        click.option("--category", help="Category title (substring)."),
        click.option("--kind", type=click.Choice(["巡视", "巡察"]), help="巡视 or 巡察."),
        click.option("--exclude-report", "exclude_report", multiple=True, metavar="ID",
                     help="Leave out this report's problems (repeatable)."),
        click.option("--type", "type_", metavar="TYPE",
                     help="Problem type, by Chinese name or id (see `xuncha problems --types`)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@click.command()
@click.argument("query", required=False)
@click.option("--batch", "batch", type=click.File("r", encoding="utf-8"), default=None, metavar="FILE",
              help="Run one query per line of FILE ('-' for stdin); one JSON array per line out.")
@_k_option
@_filter_options
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None,
              help="Retrieval mode (default hybrid: dense + BM25, scores fused).")
@_model_option
@json_option
@workspace_option
def search(query: str | None, batch, k: int, unit, level, region, year, category, kind, exclude_report, type_,
           mode: str | None, model: str | None, as_json: bool, workspace: Path | None) -> None:
    """Find problems like QUERY across all reports (or each line of --batch FILE)."""
    from embeddings.service import DEFAULT_MODE

    if (query is None) == (batch is None):
        raise UserError("query_or_batch")
    filters = _filters(unit, level, region, year, category, kind, exclude_report, type_)
    mode = mode or DEFAULT_MODE
    with _service(workspace, model) as service:
        service.ensure_ready(progress=StageBars())
        if batch is None:
            hits = service.search(query, k=k, filters=filters, mode=mode)
            emit_json(hits) if as_json else _print_hits(hits)
            return
        lines = batch.read().splitlines()
        results = service.search_batch(lines, k=k, filters=filters, mode=mode, skip_invalid=True)
        for line, hits in zip(lines, results, strict=True):
            emit_json(hits) if as_json else _print_hits(hits, header=f"# {line}")


@click.command()
@click.argument("report_id")
@click.argument("problem_id")
@_k_option
@_filter_options
@click.option("--mode", type=click.Choice(["hybrid", "dense", "lexical"]), default=None,
              help="Retrieval mode (default hybrid).")
@_model_option
@json_option
@workspace_option
def similar(report_id: str, problem_id: str, k: int, unit, level, region, year, category, kind,
            exclude_report, type_, mode: str | None, model: str | None, as_json: bool, workspace: Path | None) -> None:
    """Problems in other reports similar to PROBLEM_ID of REPORT_ID."""
    from embeddings.service import DEFAULT_SIMILAR_MODE

    filters = _filters(unit, level, region, year, category, kind, exclude_report, type_)
    with _service(workspace, model) as service:
        service.ensure_ready(progress=StageBars())
        hits = service.similar(report_id, problem_id, k=k, filters=filters, mode=mode or DEFAULT_SIMILAR_MODE)
    emit_json(hits) if as_json else _print_hits(hits)


@click.command()
@_model_option
@click.option("--backend", type=click.Choice(["faiss", "milvus"]), default=None,
              help="Search engine to serve the index: faiss (in the workspace) or milvus "
                   "(Milvus Lite in WORKSPACE/search/milvus.db, or --uri). Default: keep the current one.")
@click.option("--uri", default=None, metavar="URI",
              help="Milvus server URI, e.g. http://host:19530 (default: $XUNCHA_MILVUS_URI or Milvus Lite).")
@json_option
@workspace_option
def reindex(model: str | None, backend: str | None, uri: str | None, as_json: bool,
            workspace: Path | None) -> None:
    """Rebuild the search index from the store (--model M changes the model, --backend the engine)."""
    from embeddings.index_sync import writing

    if uri is not None and backend not in (None, "milvus"):
        raise UserError("uri_needs_milvus")
    bars = StageBars()
    with existing_workspace(workspace, None) as ws, writing(ws.root):
        service = ws.search
        summary = service.reindex(model=model, progress=bars, backend=backend or ("milvus" if uri else None),
                                  uri=uri)
        summary["model"] = service.model_name
        if model is not None or backend is None:
            ws.themes.sync(progress=bars)  # themes and SIMILAR_TO edges follow the new vectors
    bars.close()
    if as_json:
        emit_json(summary)
    else:
        click.echo(f"indexed {summary['total']} problems with {summary['model']} "
                   f"({summary['kind']} index, {summary.get('backend', 'faiss')} backend) "
                   f"in {summary['seconds']:.1f}s", err=True)


COMMANDS = (search, similar, reindex)
