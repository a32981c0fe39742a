"""Reader training: every epoch gives the training loop the same number of steps, so a
run of several epochs ends and resumes where it stopped."""

from __future__ import annotations

from argparse import Namespace

from qa.training.data import Corpus, Question
from qa.training.reader import epoch_examples, fixed_length


def corpus(n: int = 40) -> Corpus:
    paragraphs = tuple(f"Paragraph {i} says the answer is {i}." for i in range(n))
    train = tuple(Question("a", f"What does paragraph {i} say?", i, (0, 9), ("Paragraph",))
                  for i in range(n))
    return Corpus(paragraphs, ("a",) * n, train, ())


def test_epochs_of_different_lengths_are_held_to_the_first_ones() -> None:
    args = Namespace(seed=3, batch=4, hard=3, other=0.5, squad=1.0)
    # Each question may have "another article" negatives: drawn at random, so epochs differ.
    negatives = ([[(i + 1) % 40] for i in range(40)], [[(i + 7) % 40] for i in range(40)])
    lengths = {e: len(epoch_examples(corpus(), negatives, e, args)) for e in range(8)}
    assert len(set(lengths.values())) > 1  # the case that once hung a run
    steps = lengths[0]
    for epoch in range(8):
        batches = epoch_examples(corpus(), negatives, epoch, args)
        held = fixed_length(batches, steps)
        assert len(held) == steps
        assert held[: min(steps, len(batches))] == batches[:steps]  # the epoch's own order
        assert fixed_length(epoch_examples(corpus(), negatives, epoch, args), steps) == held
