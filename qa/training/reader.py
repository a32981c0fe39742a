"""Train the reader: ``python -m qa.training.reader [--data DIR] [--epochs N] ...``.

Fine-tunes the shipped all-MiniLM-L6-v2 to read a question with a passage
(:mod:`qa.answer.reader_model`): start/end cross-entropy over the passage's word pieces
and [CLS] (the target for a passage without the answer), and binary cross-entropy on the
*answers* head. Each question is read with its own paragraph (the answer), with one of
its article's other paragraphs (same subject, other facts), and every other question
with a paragraph of another article that shares its words (what a search also returns);
the negatives are the most word-sharing ones (TF-IDF), drawn afresh each epoch from a
seeded generator.

Runs resume: every ``--checkpoint-every`` steps the model, optimiser, step and random
state are written atomically to ``--run``; starting again with the same arguments
continues from there (``--max-minutes`` ends a chunk at a checkpoint; ``--stop-at`` ends
the run at a step without changing the learning-rate schedule). Validation
(held-out SQuAD articles) prints sentence@1, exact match and F1 and appends them to
``<run>/curve.jsonl``. ``--export`` writes the shipped weights and their figures into
``qa/models/reader/``. Nothing here runs at install, at test or at question time.

A further stage starts from what ships: ``--init qa/models/reader/reader.onnx`` reads the
shipped int8 graph back into the network, dequantised (the second stage's graph: held-out
SQuAD 0.855 / EM 0.5725 / F1 0.683 in fp32, against 0.86 / 0.5625 / 0.6846 int8), so the runs' own
checkpoints, which a session does not keep, are not needed to go on. A news stage on the
126 tuning questions of ``benchmarks/questions`` (code at commit dc2b708) was measured and
not kept: no gain on the tuning-extra questions it never saw, and held-out SQuAD fell
(docs/quality.md). ``--selqa`` adds SelQA's sections, whose answers are known only by their
sentence: the start and end targets are every piece of those sentences (the marginal
likelihood of the answer lying there); ``--squad`` replays a share of SQuAD beside them.

bf16 autocast is on unless ``--no-bf16``: on a CPU without native bf16 (``lscpu`` lists
no ``avx512_bf16`` or ``amx_bf16``) PyTorch emulates it, and a step took 6 s there
against 2.3 s in fp32 (2026-12-04, batch 16): pass ``--no-bf16`` on such a machine. A
run keeps the precision it started with (it is one of the arguments a resume checks).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np

from qa.answer import reader_model as net_
from qa.embed.model import BUNDLED_SHA256, bundled_model_dir, sha256_file, stay_offline
from qa.ingest.split import sentence_spans

from . import card, data, network

log = logging.getLogger("qa.training.reader")


@dataclass(frozen=True)
class Example:
    question: str
    passage: str
    span: tuple[int, int] | None  # the answer's characters; None: not in this passage
    #: SelQA: the answer is somewhere in these sentences (characters); its words unknown.
    sentences: tuple[tuple[int, int], ...] = ()


def hard_negatives(corpus: data.Corpus, questions: tuple[data.Question, ...], depth: int = 8
                   ) -> tuple[list[list[int]], list[list[int]]]:
    """Per question: the paragraphs of its own article and of other articles sharing the
    most of its words (TF-IDF cosine), best first, ``depth`` of each."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    paragraphs = vectorizer.fit_transform(corpus.paragraphs)
    asked = vectorizer.transform([q.question for q in questions])
    articles = np.array(corpus.article_of)
    same, other = [], []
    for b in range(0, len(questions), 2000):
        scores = (asked[b : b + 2000] @ paragraphs.T).toarray()
        for row, q in zip(scores, questions[b : b + 2000]):
            row[q.paragraph] = -1.0
            order = np.argsort(-row)
            mine = articles[order] == q.article
            same.append(order[mine][:depth].tolist())
            other.append(order[~mine][:depth].tolist())
    return same, other


def epoch_examples(corpus: data.Corpus, negatives, epoch: int, args) -> list[list[Example]]:
    """The epoch's batches, fixed by (seed, epoch): examples shuffled, then grouped by
    length within windows of 50 batches so that batches carry little padding."""
    rng = random.Random(f"{args.seed}:{epoch}")
    same, other = negatives
    examples = []
    for n, q in enumerate(corpus.train):
        if args.squad < 1.0 and rng.random() >= args.squad:
            continue  # a stage replaying a share of SQuAD beside SelQA
        examples.append(Example(q.question, corpus.paragraphs[q.paragraph], q.span))
        if same[n]:
            pick = rng.choice(same[n][: args.hard])
            examples.append(Example(q.question, corpus.paragraphs[pick], None))
        if other[n] and rng.random() < args.other:
            pick = rng.choice(other[n][: args.hard])
            examples.append(Example(q.question, corpus.paragraphs[pick], None))
    for section in corpus.sections_train:
        examples.append(Example(section.question, section.passage, None, section.sentences))
        if section.others:
            examples.append(Example(section.question, rng.choice(section.others), None))
    rng.shuffle(examples)
    window = args.batch * 50
    batches = []
    for w in range(0, len(examples), window):
        chunk = sorted(examples[w : w + window], key=lambda e: len(e.passage))
        batches += [chunk[b : b + args.batch] for b in range(0, len(chunk), args.batch)]
    rng.shuffle(batches)
    return batches


def fixed_length(batches: list, steps: int) -> list:
    """``batches`` cut, or wrapped round, to ``steps``. Epochs draw their negatives afresh,
    so their lengths differ by a batch or two; holding each to the first epoch's length
    fixes the step every batch falls on, so a run resumes where it stopped (a shorter
    epoch once left its last steps with no batch, and the run waited forever)."""
    return (batches * (steps // max(1, len(batches)) + 1))[:steps]


def piece_targets(pairs: net_.Pairs, batch: list[Example]) -> np.ndarray:
    """Where each example's answer may start and end, as [2, n, pieces] masks: its first
    and last piece (SQuAD); any piece of an answer sentence seen whole (SelQA); [CLS]
    when the passage has none; nothing (ignored) when the answer was cut off."""
    targets = np.zeros((2, *pairs.ids.shape), dtype=bool)
    starts, ends = span_targets(pairs, batch)
    for r, example in enumerate(batch):
        if example.sentences:
            seen = pairs.offsets[r, pairs.in_text[r]]
            for a, b in example.sentences:
                if len(seen) and b <= seen[-1, 1]:
                    inside = pairs.in_text[r] & (pairs.offsets[r, :, 0] >= a) & (
                        pairs.offsets[r, :, 1] <= b)
                    targets[:, r] |= inside
        elif starts[r] != -100:
            targets[0, r, starts[r]] = targets[1, r, ends[r]] = True
    return targets


def span_targets(pairs: net_.Pairs, batch: list[Example]) -> tuple[list[int], list[int]]:
    """Start/end piece of each example's answer: 0 ([CLS]) when the passage has none;
    -100 (ignored) when the answer was cut off."""
    starts, ends = [], []
    for r, example in enumerate(batch):
        s = e = 0
        if example.span:
            s = e = -100
            for t in np.flatnonzero(pairs.in_text[r]).tolist():
                a, z = pairs.offsets[r, t]
                if s == -100 and z > example.span[0]:
                    s = t  # the first piece reaching into the answer
                if a < example.span[1]:
                    e = t  # the last piece starting inside it
            if s == -100 or e == -100 or e < s or pairs.offsets[r, e, 1] < example.span[1]:
                s = e = -100
        starts.append(s)
        ends.append(e)
    return starts, ends


# -- training --------------------------------------------------------------------------------
def marginal(logits, targets):
    """Mean over the rows with a target of -log(probability on the target pieces): the
    cross-entropy for one target piece, the marginal likelihood for an answer sentence."""
    import torch

    kept = targets.any(-1)
    if not kept.any():
        return logits.sum() * 0.0
    chosen = logits.masked_fill(~targets, -1e4)
    return (torch.logsumexp(logits[kept], -1) - torch.logsumexp(chosen[kept], -1)).mean()


def _atomic_save(obj, path: Path) -> None:
    import torch

    tmp = path.with_suffix(".tmp")
    torch.save(obj, tmp)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def _lr(step: int, total: int, peak: float, warmup: int) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    return peak * max(0.0, (total - step) / max(1, total - warmup))


def train(args) -> Path:
    import torch

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    base = bundled_model_dir()
    if sha256_file(base / "model.safetensors") != BUNDLED_SHA256:
        raise SystemExit(f"the bundled MiniLM at {base} is not the official release")
    tokenizer = net_.tokenizer(base)
    corpus = data.load(Path(args.data), args.selqa)
    negatives = hard_negatives(corpus, corpus.train)
    log.info("%d training questions, %d validation questions (held-out articles); SelQA "
             "%d and %d", len(corpus.train), len(corpus.valid), len(corpus.sections_train),
             len(corpus.sections_valid))
    checkpoint = run / "checkpoint.pt"
    resuming = checkpoint.is_file()
    run_args = _run_args(args)
    # A stage may start from the shipped int8 graph (dequantised) or another run's weights.
    net = (network.from_onnx(Path(args.init), base)
           if args.init.endswith(".onnx") and not resuming else network.build(base))
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    examples = partial(epoch_examples, corpus, negatives, args=args)
    steps_per_epoch = len(examples(0))
    total = args.steps or steps_per_epoch * args.epochs
    step = 0
    if resuming:
        state = torch.load(checkpoint, weights_only=False)
        if state["args"] != run_args:
            raise SystemExit(f"{checkpoint} was made with other arguments: {state['args']} - "
                             "use another --run folder")
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed at step %d of %d", step, total)
    elif args.init and not args.init.endswith(".onnx"):  # its own optimiser and schedule
        net.load_state_dict(torch.load(args.init, weights_only=False)["model"])
        log.info("started from the weights of %s", args.init)
    started = last = time.monotonic()
    bce = torch.nn.BCEWithLogitsLoss()
    running: list[float] = []
    net.train()
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        for batch in fixed_length(examples(epoch), steps_per_epoch)[offset:]:
            pairs = net_.encode(tokenizer, [e.question for e in batch],
                                [e.passage for e in batch])
            targets = torch.from_numpy(piece_targets(pairs, batch))
            labels = torch.tensor([float(e.span is not None or bool(e.sentences))
                                   for e in batch])
            allowed = torch.from_numpy(pairs.in_text)
            allowed[:, 0] = True  # [CLS]: no answer here
            for group in optimiser.param_groups:
                group["lr"] = _lr(step, total, args.lr, int(args.warmup * total))
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                answers, start, end = net(torch.from_numpy(pairs.ids),
                                          torch.from_numpy(pairs.mask),
                                          torch.from_numpy(pairs.types))
            start = start.float().masked_fill(~allowed, -1e4)
            end = end.float().masked_fill(~allowed, -1e4)
            loss = (marginal(start, targets[0]) + marginal(end, targets[1])) / 2 + bce(
                answers.float(), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            step += 1
            running.append(loss.item())
            if step % 50 == 0:
                now = time.monotonic()
                log.info("step %d/%d epoch %.2f loss %.4f (%.2f steps/s)", step, total,
                         step / steps_per_epoch, sum(running) / len(running), 50 / (now - last))
                last = now
                running.clear()
            done = step in (total, args.stop_at)
            out_of_time = args.max_minutes and time.monotonic() - started > 60 * args.max_minutes
            if step % args.checkpoint_every == 0 or done or out_of_time:
                _atomic_save({"model": net.state_dict(), "optimiser": optimiser.state_dict(),
                              "step": step, "torch_rng": torch.get_rng_state(),
                              "args": run_args}, checkpoint)
            if step % args.eval_every == 0 or done:
                figures = {"step": step, "epoch": round(step / steps_per_epoch, 3),
                           **validate(partial(read_passages, net, tokenizer), corpus, args)}
                net.train()
                with open(run / "curve.jsonl", "a") as fh:
                    fh.write(json.dumps(figures) + "\n")
                log.info("validation %s", figures)
            if out_of_time:
                log.info("--max-minutes reached: stopped at step %d; run again to resume", step)
                return checkpoint
            if done:
                return checkpoint
    return checkpoint


def _run_args(args) -> dict:
    keep = ("data", "epochs", "steps", "batch", "lr", "warmup", "hard", "other", "seed", "bf16")
    run = {k: getattr(args, k) for k in keep}
    if args.selqa or args.squad != 1.0:  # absent from the runs before these existed
        run.update(selqa=args.selqa, squad=args.squad)
    run["data"] = str(Path(args.data).resolve())  # the same data however it is spelled
    if args.init:
        run["init"] = str(Path(args.init).resolve())
    if args.init.endswith(".onnx"):  # export overwrites it: keep which graph it was
        run["init_sha256"] = sha256_file(Path(args.init))
    return run


# -- validation -------------------------------------------------------------------------------
def read_passages(net, tokenizer, question: str, passages: list[str]) -> list[net_.Read]:
    import torch

    net.eval()
    pairs = net_.encode(tokenizer, [question] * len(passages), passages)
    with torch.inference_mode():
        answers, start, end = (t.float().numpy().astype(np.float64) for t in net(
            torch.from_numpy(pairs.ids), torch.from_numpy(pairs.mask),
            torch.from_numpy(pairs.types)))
    return net_.reads(answers, start, end, pairs)


def best_sentence(passages: list[str], reads: list[net_.Read]):
    """``(passage, sentence start, sentence end, words start, words end)`` of the best
    sentence of all ``passages``: the one holding the best span against its passage's
    "no answer" score."""
    best, top = None, -np.inf
    for p, (text, read) in enumerate(zip(passages, reads)):
        for a, b, _ in sentence_spans(text):
            found = read.best(a, b)
            if found and found[2] > top:
                top, best = found[2], (p, a, b, found[0], found[1])
    return best


def validate(read, corpus: data.Corpus, args) -> dict:
    """Each held-out question read with its paragraph and the two most word-sharing
    paragraphs of its article: sentence@1 (the best sentence holds the first answer),
    exact match and F1 of the words end to end, and how often the own paragraph's
    *answers* logit beats the others'."""
    rng = random.Random(args.seed)
    questions = list(corpus.valid)
    questions = rng.sample(questions, min(args.valid_questions, len(questions)))
    same, _ = hard_negatives(corpus, tuple(questions), depth=2)
    hits = em = f1 = ranked = 0.0
    for q, negatives in zip(questions, same):
        passages = [corpus.paragraphs[q.paragraph]] + [corpus.paragraphs[n] for n in negatives]
        reads = read(q.question, passages)
        ranked += reads[0].answers > max((r.answers for r in reads[1:]), default=-np.inf)
        best = best_sentence(passages, reads)
        if not best or best[0] != 0:
            continue
        _, a, b, ws, we = best
        hits += a <= q.span[0] and q.span[1] <= b
        words = passages[0][ws:we]
        em += max(data.exact(words, t) for t in q.answers)
        f1 += max(data.f1(words, t) for t in q.answers)
    n = len(questions) or 1
    figures = {"sentence@1": round(hits / n, 4), "em": round(em / n, 4),
               "f1": round(f1 / n, 4), "passage@1": round(ranked / n, 4),
               "questions": len(questions)}
    if corpus.sections_valid:
        figures.update(selqa_sentence(read, corpus.sections_valid))
    return figures


def selqa_sentence(read, sections: tuple[data.Section, ...]) -> dict:
    """Held-out SelQA: how often the best sentence of a question's own section answers it."""
    hits = 0
    for section in sections:
        best = best_sentence([section.passage], read(section.question, [section.passage]))
        hits += bool(best) and section.answered_by(best[1], best[2])
    return {"selqa_sentence@1": round(hits / len(sections), 4), "selqa_questions": len(sections)}


# -- export ------------------------------------------------------------------------------------
def export(args) -> None:
    """The checkpoint as shipped (an int8 ONNX graph, word embeddings left to the base
    model), its sha256, and the validation figures of what ships."""
    import tempfile

    import torch

    state = torch.load(Path(args.run) / "checkpoint.pt", weights_only=False)
    # The run's own arguments (seed, mix, batch): the export command need not repeat them.
    args = argparse.Namespace(**{**vars(args), **state["args"]})
    net = network.build()
    net.load_state_dict(state["model"])
    target = Path(args.export_to)
    target.mkdir(parents=True, exist_ok=True)
    weights = target / net_.WEIGHTS
    with tempfile.TemporaryDirectory() as work:
        network.export_onnx(net, weights, Path(work))
    os.chmod(weights, 0o644)
    sha = sha256_file(weights)
    shipped = net_.TrainedReader(target, sha)
    corpus = data.load(Path(args.data), args.selqa)
    figures = validate(shipped.read, corpus, args)
    steps_per_epoch = len(epoch_examples(corpus, hard_negatives(corpus, corpus.train), 0, args))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    meta = {"sha256": sha, "base_sha256": BUNDLED_SHA256, "max_length": net_.MAX_LENGTH,
            "step": state["step"], "steps_per_epoch": steps_per_epoch,
            "scheduled_steps": (state["args"].get("steps")
                                or steps_per_epoch * state["args"]["epochs"]),
            "training": state["args"], "commit": commit, "validation": figures,
            "questions": {"train": len(corpus.train), "valid": len(corpus.valid)},
            "data_sha256": _data_hashes(Path(args.data), bool(corpus.sections_train))}
    if corpus.sections_train:
        meta["questions"]["selqa"] = {"train": len(corpus.sections_train),
                                      "valid": len(corpus.sections_valid)}
    stop_at = state["step"] if state["step"] < meta["scheduled_steps"] else 0
    meta["stages"] = _stages(state["args"], target, args.run, commit, stop_at)
    (target / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    (target / "MODEL_CARD.md").write_text(card.render(meta, weights.stat().st_size))
    log.info("wrote %s (%.1f MB, sha256 %s): %s", weights, weights.stat().st_size / 1e6,
             sha, figures)


def _command(run_args: dict, run: str, stop_at: int = 0) -> str:
    """The command line that trains a run with ``run_args`` to the step ``stop_at`` (0:
    to the end of its schedule); flags left at their default are not written."""
    parser = _parser()
    words = ["python -m qa.training.reader --data ../shared/data/qa-train",
             f"--run {os.path.relpath(run)}"]
    for name in ("init", "epochs", "steps", "batch", "lr", "warmup", "hard", "other", "seed",
                 "squad"):
        value = run_args.get(name, parser.get_default(name))
        if value != parser.get_default(name):
            shown = os.path.relpath(value) if name == "init" else value
            words.append(f"--{name} {shown}")
    if run_args.get("selqa"):
        words.append("--selqa")
    if not run_args.get("bf16", True):
        words.append("--no-bf16")
    if stop_at:
        words.append(f"--stop-at {stop_at}")
    return " ".join(words)


def _stages(run_args: dict, target: Path, run: str, commit: str,
            stop_at: int = 0) -> list[dict]:
    """How the exported weights were trained, first stage first: the stages of the graph
    or checkpoint this run started from, then this run's folder, command and commit."""
    before: list[dict] = []
    init = run_args.get("init", "")
    if init.endswith(".onnx"):  # the shipped graph it started from, which export replaces
        known = target / "training.json"
        old = json.loads(known.read_text()) if known.is_file() else {}
        if old.get("sha256") == run_args["init_sha256"]:
            before = old.get("stages", [])
        before = before or [{"command": f"(a graph of sha256 {run_args['init_sha256']})"}]
    elif init:  # another run's checkpoint (its commit is not recorded)
        import torch

        first = torch.load(init, weights_only=False)["args"]
        folder = os.path.relpath(os.path.dirname(init))
        before = [{"run": folder, "command": _command(first, folder)}]
    return [*before, {"run": os.path.relpath(run), "command": _command(run_args, run, stop_at),
                      "commit": commit}]


def _data_hashes(root: Path, selqa: bool) -> dict[str, str]:
    return {f: hashlib.sha256((root / f).read_bytes()).hexdigest()
            for f in data.SQUAD_FILES + data.SELQA_FILES * selqa}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa.training.reader",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/qa-train")
    parser.add_argument("--run", default="training/runs/reader",
                        help="checkpoint and curve folder (resumes from it)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, default=0,
                        help="schedule length in steps, instead of --epochs (a shorter stage)")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--lr", type=float, default=6e-5)
    parser.add_argument("--warmup", type=float, default=0.05, help="share of steps")
    parser.add_argument("--hard", type=int, default=3,
                        help="negatives are drawn from this many most word-sharing paragraphs")
    parser.add_argument("--other", type=float, default=0.5,
                        help="share of questions also read with another article's paragraph")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--selqa", action="store_true",
                        help="also read SelQA's sections (answer sentences, no answer words)")
    parser.add_argument("--squad", type=float, default=1.0,
                        help="share of SQuAD training questions an epoch reads (drawn afresh)")
    parser.add_argument("--init", default="",
                        help="start a new run from this checkpoint's weights (a second stage)")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for torch (0: its default, one per core)")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--valid-questions", type=int, default=400)
    parser.add_argument("--stop-at", type=int, default=0,
                        help="end the run at this step (checkpointed and validated) without "
                        "changing the schedule; a later run without it resumes from there")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop at a checkpoint after this long (0: run to the end)")
    parser.add_argument("--export", action="store_true",
                        help="write the shipped weights from the run's checkpoint")
    parser.add_argument("--export-to", default=str(net_.MODEL_DIR),
                        help="where --export writes (default: the package's model folder)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        stream=sys.stdout)
    stay_offline()
    if args.export:
        export(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
