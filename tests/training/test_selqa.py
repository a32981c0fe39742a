"""Reader training on SelQA: questions known only by the sentence that answers them teach
the network to put its answer inside that sentence, and SQuAD's answers are learnt as
before."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.answer import reader_model
from qa.training import data
from qa.training.reader import Example, marginal, piece_targets

torch = pytest.importorskip("torch")


def write_selqa(root: Path) -> None:
    rows = [
        {"article": "Oslo", "section": "History", "question": "When was the city founded?",
         "candidates": ["Oslo is the capital of Norway.", "It was founded around 1040.",
                        "It burned in 1624."], "answers": [1]},
        {"article": "Oslo", "section": "Transport", "question": "How do people get about?",
         "candidates": ["Trams run on six lines.", "A metro serves the suburbs."],
         "answers": [0, 1]},
        {"article": "Oslo", "section": "Climate", "question": "Is it windy?",
         "candidates": ["Winters are cold."], "answers": []},
    ]
    (root / "selqa").mkdir(parents=True)
    (root / "selqa/selqa-ass-dev.json").write_text(json.dumps(rows[:2]))
    (root / "selqa/selqa-ass-test.json").write_text(json.dumps(rows[2:]))


def test_a_selqa_question_is_answered_by_its_marked_sentences(tmp_path: Path) -> None:
    write_selqa(tmp_path)
    sections = data.load_selqa(tmp_path)
    assert [s.question for s in sections] == ["When was the city founded?",
                                              "How do people get about?"]  # no answer: left
    founded, transport = sections
    assert [founded.passage[a:b] for a, b in founded.sentences] == ["It was founded around 1040."]
    assert len(transport.sentences) == 2
    # The article's other sections are what the question is also read with (no answer).
    assert founded.others == (transport.passage, "Winters are cold.")
    start = founded.passage.index("1040")
    assert founded.answered_by(start, start + 4)
    assert not founded.answered_by(0, 4)


@pytest.fixture(scope="module")
def tokenizer():
    return reader_model.tokenizer()


def test_the_training_targets_of_a_selqa_question_are_its_sentence(tokenizer) -> None:
    passage = "Oslo is the capital of Norway. It was founded around 1040. It burned in 1624."
    sentence = (31, 58)
    squad = Example("When was Oslo founded?", passage, (53, 57))
    selqa = Example("When was Oslo founded?", passage, None, (sentence,))
    nothing = Example("When was Oslo founded?", passage, None)
    pairs = reader_model.encode(tokenizer, [e.question for e in (squad, selqa, nothing)],
                                [passage] * 3)
    targets = piece_targets(pairs, [squad, selqa, nothing])

    def words(row: int, which: int) -> list[str]:
        return [passage[slice(*pairs.offsets[row, t])]
                for t in np.flatnonzero(targets[which, row])]

    assert words(0, 0) + words(0, 1) == ["104", "0"]  # SQuAD: the answer's first, last piece
    assert "".join(words(1, 0)) == "".join(words(1, 1)) == "Itwasfoundedaround1040."
    assert [np.flatnonzero(t).tolist() for t in targets[:, 2]] == [[0], [0]]  # [CLS]


def test_a_sentence_cut_off_by_the_network_size_is_no_target(tokenizer) -> None:
    passage = "Filler words here. " * 200 + "The answer is 42."
    example = Example("What is the answer?", passage, None, ((len(passage) - 17, len(passage)),))
    pairs = reader_model.encode(tokenizer, [example.question], [passage])
    assert not piece_targets(pairs, [example]).any()


def test_the_loss_rewards_probability_anywhere_in_the_sentence() -> None:
    targets = torch.tensor([[False, True, True, False]])
    inside = torch.tensor([[0.0, 5.0, 0.0, 0.0]])
    other_inside = torch.tensor([[0.0, 0.0, 5.0, 0.0]])
    outside = torch.tensor([[0.0, 0.0, 0.0, 5.0]])
    assert marginal(inside, targets) == pytest.approx(marginal(other_inside, targets).item())
    assert marginal(inside, targets) < marginal(outside, targets)
    # One target piece: the usual cross-entropy.
    one = torch.tensor([[False, True, False, False]])
    expected = torch.nn.functional.cross_entropy(outside, torch.tensor([1]))
    assert marginal(outside, one).item() == pytest.approx(expected.item())
    assert marginal(outside, torch.zeros_like(one)).item() == 0.0  # nothing to learn


def test_the_model_card_names_selqa_and_its_licence_only_when_a_stage_read_it() -> None:
    from qa.training import card
    from qa.training.reader import _command

    recorded = json.loads((reader_model.MODEL_DIR / "training.json").read_text())
    run_args = {**recorded["training"], "selqa": True, "squad": 0.15}
    stage = {"run": "training/runs/selqa", "command": _command(run_args, "training/runs/selqa")}
    assert "--selqa" in stage["command"] and "--squad 0.15" in stage["command"]
    meta = {**recorded, "training": run_args, "stages": [*recorded["stages"], stage],
            "questions": {**recorded["questions"], "selqa": {"train": 2125, "valid": 250}},
            "validation": {**recorded["validation"], "selqa_sentence@1": 0.75,
                           "selqa_questions": 250}}
    text = card.render(meta, 11_000_000)
    assert "SelQA (Jurczyk, Zhai and Choi" in text and "Apache-2.0" in text
    assert "(2125 training, 250 validation questions)" in text
    assert "a share 0.15 of SQuAD's" in text
    assert "answers it for 0.75 of 250 questions" in text
    without = card.render({**recorded, "stages": recorded["stages"][:2]}, 11_000_000)
    assert "SelQA is not used." in without and "Jurczyk" not in without


def test_an_epoch_reads_every_selqa_question_beside_a_share_of_squad(tmp_path: Path) -> None:
    from argparse import Namespace

    from qa.training.reader import epoch_examples

    write_selqa(tmp_path)
    sections = tuple(data.load_selqa(tmp_path))
    squad = tuple(data.Question("a", f"Question {i}?", i, (0, 4), ("Para",)) for i in range(200))
    corpus = data.Corpus(tuple(f"Para {i}." for i in range(200)), ("a",) * 200, squad, (),
                         sections, ())
    args = Namespace(seed=3, batch=4, hard=3, other=0.0, squad=0.25)
    none = ([[] for _ in squad], [[] for _ in squad])
    examples = [e for batch in epoch_examples(corpus, none, 0, args) for e in batch]
    read = [e for e in examples if e.sentences]
    assert sorted(e.question for e in read) == sorted(s.question for s in sections)
    # Each SelQA question is also read with another section of its article, as no answer.
    assert sum(e.question == "When was the city founded?" and not e.sentences
               for e in examples) == 1
    share = sum(e.span is not None for e in examples) / len(squad)
    assert 0.15 < share < 0.35
