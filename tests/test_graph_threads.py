"""The graph service read from several threads at once, as Streamlit's sessions and the warm-up do: every
thread reads graph.db through a connection of its own (a shared one runs a reader's statements inside
another thread's open write transaction), and each query sees one committed version."""
from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

import pytest
import test_graph

from graph.service import GraphService
from reports.store import Store

corpus_ws = test_graph.corpus_ws     # the demo corpus ingested once per module
THREADS = 4
ROUNDS = 3


class _Watched(sqlite3.Connection):
    """A connection that records which threads ran statements on it."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.users: set[int] = set()

    def execute(self, *args, **kwargs):
        self.users.add(threading.get_ident())
        return super().execute(*args, **kwargs)

    def executemany(self, *args, **kwargs):
        self.users.add(threading.get_ident())
        return super().executemany(*args, **kwargs)

    def executescript(self, *args, **kwargs):
        self.users.add(threading.get_ident())
        return super().executescript(*args, **kwargs)


@pytest.fixture
def watched(monkeypatch) -> list[_Watched]:
    """Every connection opened to a graph.db from now on, watched."""
    opened: list[_Watched] = []
    connect = sqlite3.connect

    def watching(path, *args, **kwargs):
        if str(path).endswith("graph.db"):
            conn = connect(path, *args, factory=_Watched, **kwargs)
            opened.append(conn)
            return conn
        return connect(path, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", watching)
    return opened


@pytest.fixture
def service(corpus_ws, tmp_path):
    store = Store(tmp_path / "xuncha.db")
    corpus_ws.store.conn.backup(store.conn)
    svc = GraphService(tmp_path, store)
    yield svc
    svc.close()
    store.close()


def _questions(svc: GraphService) -> dict[str, Callable[[], object]]:
    """What the 实体关系 page and the CLI ask, by name."""
    person = svc.resolve("覃文乐", "Person")
    unit = svc.resolve("市文旅广体局", "Unit")
    return {
        "stats": svc.stats,
        "picker": lambda: svc.entity_rows(("Unit", "Person", "Regulation", "InspectionTeam"), 50),
        "typed": lambda: svc.search_entities("文联", ("Unit", "Person", "Organization"), 20),
        "resolve": lambda: svc.resolve("覃文乐", "Person"),
        "profile": lambda: svc.profile(person),
        "rows": lambda: svc.neighbour_rows(unit),
        "neighbors": lambda: svc.neighbors(person),
        "ranked": lambda: svc.ranked_neighbours(unit, {"Person", "Problem", "InspectionTeam"}, 10),
        "overview": lambda: svc.overview(5),
        "path": lambda: svc.shortest_path(person, unit, ("Place", "Category")),
        "types": svc.node_types,
    }


def _ask_together(questions: dict[str, Callable[[], object]]) -> tuple[list[dict], list[BaseException]]:
    """Every question asked ROUNDS times in each of THREADS threads started together."""
    answers: list[dict] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def ask() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                answers.append({name: q() for name, q in questions.items()})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, errors


def test_threads_read_through_their_own_connections_and_agree(service, watched):
    questions = _questions(service)
    want = {name: q() for name, q in questions.items()}
    answers, errors = _ask_together(questions)
    assert not errors, errors
    assert len(answers) == THREADS * ROUNDS and all(a == want for a in answers)
    used = [c.users for c in watched if c.users]
    assert len(used) >= THREADS and all(len(users) == 1 for users in used), used   # never two threads on one


def test_readers_see_whole_versions_while_another_thread_writes(service):
    """A sync in one thread (a report's fragment removed, then added back) never shows half-done to
    readers in others: each answer is the graph with the report or without it."""
    rid = service.store.report_ids()[1]
    generation = service.store.generation()
    service.stats()                                    # synced; the fragment is stored
    fragment = service.fragments.fragment(rid)
    with_it = service.stats(), service.entity_rows(("Person", "Unit"), 30)
    service.fragments.update([], [rid], generation)
    without = service.stats(), service.entity_rows(("Person", "Unit"), 30)
    service.fragments.update([(rid, fragment)], [], generation)
    assert with_it != without and service.stats() == with_it[0]
    done = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        try:
            while not done.is_set():
                service.fragments.update([], [rid], generation)
                service.fragments.update([(rid, fragment)], [], generation)
        except BaseException as exc:
            failures.append(exc)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        answers, errors = _ask_together({"stats": service.stats, "rows": lambda: service.entity_rows(("Person", "Unit"), 30)})
    finally:
        done.set()
        writer.join()
    assert not errors and not failures, (errors, failures)
    assert all(a["stats"] in (with_it[0], without[0]) and a["rows"] in (with_it[1], without[1]) for a in answers)
