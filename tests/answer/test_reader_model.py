"""The trained reader as it ships: its weights are the ones recorded, it refuses altered
ones, and it reads a known question right."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa.answer import reader_model
from qa.answer.reader import read
from qa.embed.model import sha256_file
from qa.errors import ModelUnavailable
from qa.index.keyword.bm25 import Lexical
from qa.ingest.split import sentence_spans

SAMPLE = next((Path(__file__).resolve().parents[2] / "corpus").glob("*jaishankar*.txt"))


def test_the_shipped_weights_are_the_recorded_ones() -> None:
    weights = reader_model.MODEL_DIR / reader_model.WEIGHTS
    recorded = json.loads((reader_model.MODEL_DIR / "training.json").read_text())
    assert sha256_file(weights) == reader_model.WEIGHTS_SHA256 == recorded["sha256"]
    assert weights.stat().st_size < 30e6
    assert (reader_model.MODEL_DIR / "MODEL_CARD.md").read_text().count(recorded["sha256"])


def test_the_model_card_names_the_precision_the_weights_were_trained_in() -> None:
    from qa.training import card

    recorded = json.loads((reader_model.MODEL_DIR / "training.json").read_text())

    def training_paragraph(bf16: bool) -> str:
        text = card.render({**recorded, "training": {**recorded["training"], "bf16": bf16}},
                           11_000_000)
        return text.split("The last stage:")[1].split("**Validation")[0]

    assert "bf16 autocast" in training_paragraph(True)
    assert "fp32" in training_paragraph(False) and "bf16" not in training_paragraph(False)
    shipped = (reader_model.MODEL_DIR / "MODEL_CARD.md").read_text()
    assert ("fp32" if not recorded["training"]["bf16"] else "bf16 autocast") in shipped


def test_a_stage_from_the_shipped_graph_keeps_the_stages_before_it_on_the_card(
        tmp_path: Path) -> None:
    from qa.training import card
    from qa.training.reader import _stages

    earlier = [{"run": "a", "command": "python -m qa.training.reader --run a --seed 13",
                "commit": "c1"}]
    (tmp_path / "training.json").write_text(json.dumps({"sha256": "abc", "stages": earlier}))
    run_args = {"init": str(tmp_path / "reader.onnx"), "init_sha256": "abc", "steps": 2000,
                "lr": 2e-05, "seed": 15, "bf16": False, "epochs": 1, "batch": 16, "warmup": 0.05}
    stages = _stages(run_args, tmp_path, "training/runs/stage3", "c2")
    assert stages[0] == earlier[0] and len(stages) == 2
    assert stages[1]["commit"] == "c2" and stages[1]["run"] == "training/runs/stage3"
    for flag in ("--run training/runs/stage3", "--steps 2000", "--lr 2e-05", "--seed 15",
                 "--no-bf16", "reader.onnx"):
        assert flag in stages[1]["command"]
    assert "--epochs" not in stages[1]["command"] and "--batch" not in stages[1]["command"]
    assert "--stop-at" not in stages[1]["command"]
    recorded = json.loads((reader_model.MODEL_DIR / "training.json").read_text())
    text = card.render({**recorded, "training": run_args, "stages": stages, "scheduled_steps": 2000,
                        "steps_per_epoch": 3033}, 11_000_000)
    assert "1. `python -m qa.training.reader --run a --seed 13` at commit `c1`" in text
    assert "2. `python -m qa.training.reader" in text and "(0.66 epoch)" in text
    assert "--export --run training/runs/stage3`" in text
    # A run exported before the end of its schedule names the step it stopped at.
    stopped = _stages(run_args, tmp_path, "training/runs/stage3", "c2", stop_at=1200)
    assert stopped[1]["command"].endswith("--stop-at 1200")
    # A graph whose record is not the one it started from is named by its checksum alone.
    stages = _stages({**run_args, "init_sha256": "other"}, tmp_path, "r", "c2")
    assert stages[0] == {"command": "(a graph of sha256 other)"}


def test_altered_weights_are_refused_with_what_to_do(tmp_path: Path) -> None:
    shutil.copy(reader_model.MODEL_DIR / reader_model.WEIGHTS, tmp_path / reader_model.WEIGHTS)
    with (tmp_path / reader_model.WEIGHTS).open("r+b") as fh:
        fh.seek(5000)
        byte = fh.read(1)
        fh.seek(5000)
        fh.write(bytes([byte[0] ^ 1]))
    with pytest.raises(ModelUnavailable, match="reinstall"):
        reader_model.TrainedReader(tmp_path)


def best_sentence(question: str, passages: list[str]) -> tuple[str, str]:
    reads = reader_model.shared().read(question, passages)
    found = []
    for text, passage in zip(passages, reads):
        for a, b, _ in sentence_spans(text):
            if best := passage.best(a, b):
                found.append((best[2], text[a:b], text[best[0] : best[1]]))
    _, sentence, words = max(found)
    return sentence, words


def test_the_ambassador_question_leads_with_gor_and_never_shows_jaishankar() -> None:
    text = SAMPLE.read_text(encoding="utf-8").split("\n\n\n")
    passages = [p.strip() for p in text if len(p.strip()) > 80][:3]
    question = "Who is the new US ambassador to India?"
    sentence, _ = best_sentence(question, passages)
    assert "Sergio Gor" in sentence
    readings = read(question, passages, [0] * len(passages), [0.5] * len(passages),
                    Lexical.build(list(range(len(passages))), passages), reader_model.shared())
    lead = max((r for r in readings if r), key=lambda r: r.score)
    shown = passages[lead.hit][lead.answer[0] : lead.answer[1]] if lead.answer else ""
    assert "Jaishankar" not in shown and (not shown or "Gor" in shown)


def test_a_passage_that_does_not_answer_scores_below_one_that_does() -> None:
    question = "When is the critical minerals ministerial?"
    reads = reader_model.shared().read(question, [
        "The inaugural Critical Minerals Ministerial will be hosted by Marco Rubio in "
        "Washington on 4 February.",
        "The striker scored twice as the home side won the cup final on Saturday.",
    ])
    answered, other = (r.best(0, 10**6) for r in reads)
    assert answered and answered[2] > 0 > (other[2] if other else -1)
    assert reads[0].answers > reads[1].answers


def test_long_questions_and_passages_are_cut_to_the_network_size() -> None:
    tok = reader_model.tokenizer()
    pairs = reader_model.encode(tok, ["why " * 100, "who?"], ["word " * 1000, "Short one."])
    assert pairs.ids.shape[1] == reader_model.MAX_LENGTH
    assert pairs.types[0].sum() == reader_model.MAX_LENGTH - reader_model.MAX_QUESTION - 2
    a, b = pairs.offsets[1][pairs.in_text[1]][[0, -1]]
    assert "Short one."[a[0] : b[1]] == "Short one."


def test_the_network_reads_only_the_first_passages_asked_for() -> None:
    passages = [
        "The striker scored twice as the home side won the cup final on Saturday.",
        "The inaugural Critical Minerals Ministerial will be hosted by Marco Rubio in "
        "Washington on 4 February.",
    ]
    question = "When is the critical minerals ministerial?"
    lexical = Lexical.build([0, 1], passages)

    def lead(network: int | None):
        return read(question, passages, [0, 0], [0.5, 0.5], lexical, reader_model.shared(),
                    network)

    both = lead(None)
    assert both[1].score > both[0].score and both[1].answer is not None
    # Unread, the answering passage keeps its sentence (by the rules) but no answer words.
    unread = lead(1)[1]
    assert unread is not None and unread.answer is None
    assert passages[1][unread.start : unread.end] == passages[1]
