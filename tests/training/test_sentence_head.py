"""The reader's sentence head: every sentence the network sees whole is a target, marked
when it holds the answer, so the head learns to say which sentence answers."""

from __future__ import annotations

import numpy as np
import pytest

from qa.answer import reader_model
from qa.training.reader import Example, sentence_targets

torch = pytest.importorskip("torch")

PASSAGE = "Oslo is the capital of Norway. It was founded around 1040. It burned in 1624."


@pytest.fixture(scope="module")
def tokenizer():
    return reader_model.tokenizer()


def pooled_text(pairs, pool, row: int, sentence: int) -> str:
    pieces = np.flatnonzero(pool[row, sentence])
    return "".join(PASSAGE[slice(*pairs.offsets[row, t])] for t in pieces)


def test_the_answering_sentence_is_marked_and_the_others_are_not(tokenizer) -> None:
    founded = (PASSAGE.index("It was"), PASSAGE.index(" It burned"))
    squad = Example("When was Oslo founded?", PASSAGE, (53, 57))
    selqa = Example("When was Oslo founded?", PASSAGE, None, (founded,))
    nothing = Example("When was Oslo founded?", PASSAGE, None)
    batch = [squad, selqa, nothing]
    pairs = reader_model.encode(tokenizer, [e.question for e in batch], [PASSAGE] * 3)
    pool, labels, kept = sentence_targets(pairs, batch)
    assert kept.all() and kept.shape == (3, 3)
    assert [pooled_text(pairs, pool, 0, j) for j in range(3)] == [
        "OsloisthecapitalofNorway.", "Itwasfoundedaround1040.", "Itburnedin1624."]
    assert labels.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    # Each row averages its sentence's pieces.
    assert np.allclose(pool.sum(-1)[kept], 1.0)


def test_a_sentence_cut_off_by_the_network_size_is_no_target(tokenizer) -> None:
    passage = "Filler words here. " * 200 + "The answer is 42."
    example = Example("What is the answer?", passage, (len(passage) - 3, len(passage) - 1))
    pairs = reader_model.encode(tokenizer, [example.question], [passage])
    pool, labels, kept = sentence_targets(pairs, [example])
    assert kept.sum() < 200 and not labels.any()  # the answer's sentence was never seen


def test_the_network_scores_every_piece_and_a_graph_without_the_head_still_loads() -> None:
    from qa.training import network

    net = network.from_onnx(reader_model.MODEL_DIR / reader_model.WEIGHTS)
    tok = reader_model.tokenizer()
    pairs = reader_model.encode(tok, ["When was Oslo founded?"], [PASSAGE])
    with torch.inference_mode():
        outputs = net(*(torch.from_numpy(x) for x in (pairs.ids, pairs.mask, pairs.types)))
    assert [tuple(o.shape) for o in outputs] == [(1,), *[tuple(pairs.ids.shape)] * 3]
    read, = reader_model.reads(*(o.numpy().astype(np.float64) for o in outputs[:3]), pairs,
                               outputs[3].numpy().astype(np.float64))
    every = float(outputs[3][0][pairs.in_text[0]].mean())
    assert read.sentence(0, len(PASSAGE)) == pytest.approx(every)
    assert read.sentence(len(PASSAGE), len(PASSAGE) + 5) is None  # no piece there


def test_the_model_card_gives_the_head_and_its_figures_only_for_a_graph_with_it() -> None:
    import json

    from qa.training import card

    meta = json.loads((reader_model.MODEL_DIR / "training.json").read_text())
    without = card.render(meta, 11_000_000)
    assert "sentence head" not in without and "*sentence* logit" not in without
    meta["validation"] |= {"head_sentence@1": 0.7975, "selqa_head@1": 0.71}
    with_head = card.render(meta, 11_000_000)
    assert "*sentence* logit" in with_head
    assert "| sentence head's sentence@1 |" in with_head and "| 0.7975 |" in with_head
    assert "(by the sentence head: 0.71)" in with_head
