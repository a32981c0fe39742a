"""`qa eval`: metrics, BEIR folders indexed directly, question files, the CLI table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qa import Retriever, Settings
from qa.evaluation.data import (
    EvalDataError,
    Question,
    collection_index,
    load_collection,
    load_questions,
)
from qa.evaluation.measure import article_metrics, evaluate_collection, evaluate_questions

DOCS = {
    "D1": "The harbour was closed by a winter storm that wrecked the breakwater.",
    "D2": "Rovers won the cup final with a late header from their captain.",
    "D3": "The council approved a budget for schools and roads after a long debate.",
    "D4": "A new rail timetable adds hourly trains to the city from May.",
}
QUERIES = {"Q1": "storm harbour breakwater", "Q2": "cup final header", "Q9": "unjudged"}


def beir_folder(root: Path) -> Path:
    folder = root / "beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": i, "title": "", "text": t}) + "\n" for i, t in DOCS.items()))
    (folder / "queries.jsonl").write_text("".join(
        json.dumps({"_id": i, "text": t}) + "\n" for i, t in QUERIES.items()))
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nQ1\tD1\t1\nQ2\tD2\t1\nQ2\tD4\t1\n")
    return folder


def test_article_metrics_match_hand_computed_values() -> None:
    m = article_metrics(["x", "a", "y", "b"], {"a": 1, "b": 1, "c": 1})
    assert m["MAP"] == pytest.approx((1 / 2 + 2 / 4) / 3)
    assert m["MRR@10"] == pytest.approx(1 / 2)
    assert m["Recall@10"] == pytest.approx(2 / 3)
    ideal = 1 + 1 / 1.5849625 + 1 / 2
    assert m["nDCG@10"] == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / ideal)
    assert article_metrics(["a"], {"a": 1}) == {"MAP": 1.0, "nDCG@10": 1.0,
                                                "Recall@10": 1.0, "MRR@10": 1.0}


def test_beir_corpus_is_indexed_directly_and_judged_per_mode(tmp_path: Path, fake) -> None:
    collection = load_collection(beir_folder(tmp_path))
    assert set(collection.queries) == {"Q1", "Q2"}  # unjudged queries are left out
    settings = Settings(index_dir=tmp_path / "unused")
    target = tmp_path / "ix"
    assert collection_index(collection, settings, index_dir=target, embedder=fake) == target
    retriever = Retriever.load(target, embedder=fake)
    ids = set(retriever.snapshot.article_ids())
    assert ids == {f"corpus.jsonl#{d}" for d in DOCS}  # queries and qrels not indexed
    report = evaluate_collection(retriever, collection)
    assert [r.mode for r in report.results] == ["dense", "bm25", "hybrid"]
    bm25 = report.results[1].metrics
    assert bm25["MRR@10"] == 1.0 and bm25["Recall@10"] == pytest.approx(0.75)
    assert "MAP" in report.table() and report.to_dict()["queries"] == 2
    # Reused, not rebuilt, when the index exists.
    version = (target / "CURRENT").read_text()
    collection_index(collection, settings, index_dir=target, embedder=fake)
    assert (target / "CURRENT").read_text() == version


def test_question_file_gives_passage_hits(tmp_path: Path, fake) -> None:
    collection = load_collection(beir_folder(tmp_path))
    target = collection_index(collection, Settings(), index_dir=tmp_path / "ix", embedder=fake)
    retriever = Retriever.load(target, embedder=fake)
    questions = [
        Question("who scored the late header in the cup final?", "corpus.jsonl#D2",
                 "late header"),
        Question("when do the hourly trains start?", "corpus.jsonl#D4", "from May"),
        Question("what is the answer?", "corpus.jsonl#D1", "not in the text"),
    ]
    report = evaluate_questions(retriever, questions, "q.jsonl", ["bm25"])
    m = report.results[0].metrics
    assert m["Hit@1"] == pytest.approx(2 / 3) and m["Hit@10"] == pytest.approx(2 / 3)


def test_an_answer_from_another_article_counts_only_where_it_was_judged_to(
        tmp_path: Path, fake) -> None:
    """BBC news reports a fact twice; a lead from the other report is right only when the
    question's ``also`` names that article."""
    collection = load_collection(beir_folder(tmp_path))
    target = collection_index(collection, Settings(), index_dir=tmp_path / "ix", embedder=fake)
    retriever = Retriever.load(target, embedder=fake)
    asked = {"question": "who scored the late header in the cup final?",
             "article": "corpus.jsonl#D3", "answer": "late header"}
    (tmp_path / "q.jsonl").write_text(
        json.dumps(asked) + "\n" + json.dumps({**asked, "also": ["corpus.jsonl#D2"]}) + "\n")
    plain, judged = load_questions(tmp_path / "q.jsonl")
    assert judged.also == ("corpus.jsonl#D2",) and plain.also == ()
    for question, right in ((plain, 0.0), (judged, 1.0)):
        m = evaluate_questions(retriever, [question], "q.jsonl", ["bm25"]).results[0].metrics
        assert (m["Hit@1"], m["sentence@1"]) == (right, right)


def test_index_of_another_corpus_is_refused(tmp_path: Path, fake, corpus: Path,
                                            settings: Settings) -> None:
    from qa import build_index

    build_index(corpus, settings=settings, embedder=fake)
    with pytest.raises(EvalDataError, match="holds none of the judged documents"):
        evaluate_collection(Retriever.load(settings=settings, embedder=fake),
                            load_collection(beir_folder(tmp_path)))


def test_bad_eval_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(EvalDataError, match="qrels/test.tsv is missing"):
        (tmp_path / "x").mkdir()
        (tmp_path / "x" / "corpus.jsonl").write_text("{}\n")
        (tmp_path / "x" / "queries.jsonl").write_text("{}\n")
        load_collection(tmp_path / "x")
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"question": "who?"}\n')
    with pytest.raises(EvalDataError, match="needs question, article and answer"):
        load_questions(bad)


def test_cli_eval_table_and_json(tmp_path: Path) -> None:
    folder = beir_folder(tmp_path)
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def qa(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "qa", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=600)

    table = qa("eval", str(folder), "-q")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "tmp_path/beir: 2 queries, article level".replace(
        "tmp_path", tmp_path.name)
    assert lines[1].split() == ["mode", "MAP", "nDCG@10", "Recall@10", "MRR@10", "p50", "ms"]
    assert [line.split()[0] for line in lines[2:]] == ["dense", "bm25", "hybrid"]
    assert any((tmp_path / "cache" / "qa" / "eval").iterdir())  # cached for the next run
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"question": "cup final", "article": "corpus.jsonl#D2",
                                     "answer": "cup final"}) + "\n")
    index = next((tmp_path / "cache" / "qa" / "eval").iterdir()) / "index"
    out = qa("eval", "--questions", str(questions), "--index", str(index), "--mode", "hybrid",
             "--json")
    result = json.loads(out.stdout)
    assert result[0]["modes"]["hybrid"]["Hit@1"] == 1.0 and list(result[0]["modes"]) == [
        "hybrid"]
    missing = qa("eval")
    assert missing.returncode != 0 and "give a BEIR folder" in missing.stderr
