"""Train the reader: ``python -m qa.training.reader [--data DIR] [--epochs N] ...``.

Fine-tunes the shipped all-MiniLM-L6-v2 as a cross-encoder over (question, sentence)
pairs with two heads (:mod:`qa.readernet`): *does this sentence answer?* (binary
cross-entropy, so the probability is absolute and can flag off-topic questions) and,
on answering SQuAD sentences, *which words answer?* (start/end cross-entropy).

Each question contributes its answering sentence, ``--near`` other sentences of its
paragraph and ``--far`` sentences of the article's other paragraphs (the most
word-sharing ones, the hardest: like a wrong retrieved passage). Negatives are drawn
afresh each epoch from a seeded generator.

Runs resume: every ``--checkpoint-every`` steps the model, optimiser, schedule, step and
random states are written atomically to ``--run``; starting again with the same
arguments continues from there (``--max-minutes`` ends a chunk at a checkpoint).
Validation (held-out SQuAD and SelQA articles) prints sentence@1, span exact match and
F1, and appends them to ``<run>/curve.jsonl``. ``--export`` writes the shipped weights,
their sha256 and the figures into ``qa/models/reader/``. Nothing here runs at install,
at test or at question time.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import os
import random
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .. import readernet
from ..embed import BUNDLED_SHA256, bundled_model_dir, sha256_file
from . import data

log = logging.getLogger("qa.training.reader")


@dataclass(frozen=True)
class Pair:
    question: str
    sentence: str
    label: float
    span: tuple[int, int] | None  # answer words' characters in the sentence


_TERM = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the of in on at to for and or is was were are be by with as from "
                  "that this which what who whom when where why how did does do its it "
                  "his her their they he she".split())


@functools.lru_cache(maxsize=None)
def _terms(text: str) -> frozenset[str]:
    return frozenset(t for t in _TERM.findall(text.lower()) if t not in _STOP)


def pairs_for(item: data.Item, rng: random.Random, near: int, far: int) -> list[Pair]:
    """The training pairs of one question for one epoch."""
    out = []
    for i in item.positives[:1] if item.span else item.positives:
        out.append(Pair(item.question, item.sentences[i], 1.0,
                        item.span if i == item.positives[0] else None))
    others = [s for i, s in enumerate(item.sentences) if i not in item.positives]
    out += [Pair(item.question, s, 0.0, None) for s in rng.sample(others, min(near, len(others)))]
    if item.far and far:
        asked = _terms(item.question)
        scored = sorted(item.far, key=lambda s: -len(asked & _terms(s)))[: 4 * far]
        out += [Pair(item.question, s, 0.0, None) for s in rng.sample(scored, min(far, len(scored)))]
    return out


def epoch_batches(items: list[data.Item], epoch: int, args) -> list[list[Pair]]:
    """The epoch's batches, fixed by (seed, epoch): pairs shuffled, then grouped by length
    within windows of 50 batches so that batches carry little padding."""
    rng = random.Random(f"{args.seed}:{epoch}")
    pairs = [p for item in items for p in pairs_for(item, rng, args.near, args.far)]
    rng.shuffle(pairs)
    window = args.batch * 50
    batches = []
    for w in range(0, len(pairs), window):
        chunk = sorted(pairs[w : w + window], key=lambda p: len(p.question) + len(p.sentence))
        batches += [chunk[b : b + args.batch] for b in range(0, len(chunk), args.batch)]
    rng.shuffle(batches)
    return batches


def encode(tokenizer, questions: list[str], sentences: list[str]):
    """Token ids for (question, sentence) pairs, the question cut to MAX_QUESTION pieces."""
    questions = [_clip(tokenizer, q) for q in questions]
    return tokenizer(questions, sentences, truncation="only_second",
                     max_length=readernet.MAX_LENGTH, padding="longest",
                     return_offsets_mapping=True, return_tensors="pt")


def _clip(tokenizer, question: str) -> str:
    enc = tokenizer(question, add_special_tokens=False, return_offsets_mapping=True)
    offsets = enc["offset_mapping"]
    if len(offsets) <= readernet.MAX_QUESTION:
        return question
    return question[: offsets[readernet.MAX_QUESTION - 1][1]]


def span_targets(enc, pairs: list[Pair]):
    """Start/end token targets (-100: no span, or cut off by truncation)."""
    import torch

    starts, ends = [], []
    for b, pair in enumerate(pairs):
        s = e = -100
        if pair.span:
            seq = enc.sequence_ids(b)
            for t, (a, z) in enumerate(enc["offset_mapping"][b].tolist()):
                if seq[t] != 1:
                    continue
                if s == -100 and z > pair.span[0]:
                    s = t  # the first piece reaching into the answer
                if a < pair.span[1]:
                    e = t  # the last piece starting inside it
            if s == -100 or e == -100 or e < s:
                s = e = -100
        starts.append(s)
        ends.append(e)
    return torch.tensor(starts), torch.tensor(ends)


def sentence_mask(enc):
    """True on the sentence's word pieces (the only places an answer may start or end)."""
    import torch

    return torch.tensor([[s == 1 for s in enc.sequence_ids(b)]
                         for b in range(enc["input_ids"].shape[0])])


# -- training --------------------------------------------------------------------------------
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
    from transformers import BertTokenizerFast

    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    run = Path(args.run)
    run.mkdir(parents=True, exist_ok=True)
    base = bundled_model_dir()
    if sha256_file(base / "model.safetensors") != BUNDLED_SHA256:
        raise SystemExit(f"the bundled MiniLM at {base} is not the official release")
    tokenizer = BertTokenizerFast.from_pretrained(str(base))
    train_items, valid_items = data.load(Path(args.data))
    log.info("%d training questions, %d validation questions (held-out articles)",
             len(train_items), len(valid_items))
    net = readernet.build(base)
    net.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    steps_per_epoch = len(epoch_batches(train_items, 0, args))
    total = steps_per_epoch * args.epochs
    step = 0
    checkpoint = run / "checkpoint.pt"
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state["args"] != _run_args(args):
            raise SystemExit(f"{checkpoint} was made with other arguments: {state['args']} - "
                             "use another --run folder")
        net.load_state_dict(state["model"])
        optimiser.load_state_dict(state["optimiser"])
        step = state["step"]
        torch.set_rng_state(state["torch_rng"])
        log.info("resumed at step %d of %d", step, total)
    started = time.monotonic()
    bce = torch.nn.BCEWithLogitsLoss()
    ce = torch.nn.CrossEntropyLoss(ignore_index=-100)
    running: list[float] = []
    net.train()
    while step < total:
        epoch, offset = divmod(step, steps_per_epoch)
        batches = epoch_batches(train_items, epoch, args)
        for batch in batches[offset:]:
            enc = encode(tokenizer, [p.question for p in batch], [p.sentence for p in batch])
            starts, ends = span_targets(enc, batch)
            labels = torch.tensor([p.label for p in batch])
            mask = sentence_mask(enc)
            for group in optimiser.param_groups:
                group["lr"] = _lr(step, total, args.lr, int(args.warmup * total))
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                select, start, end = net(enc["input_ids"], enc["attention_mask"],
                                         enc["token_type_ids"])
            select, start, end = select.float(), start.float(), end.float()
            start = start.masked_fill(~mask, -1e4)
            end = end.masked_fill(~mask, -1e4)
            loss = bce(select, labels)
            if (starts >= 0).any():
                loss = loss + args.span_weight * (ce(start, starts) + ce(end, ends)) / 2
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            optimiser.zero_grad(set_to_none=True)
            step += 1
            running.append(loss.item())
            if step % 50 == 0:
                rate = 50 / (time.monotonic() - getattr(train, "_t", started))
                train._t = time.monotonic()  # type: ignore[attr-defined]
                log.info("step %d/%d epoch %.2f loss %.4f (%.2f steps/s)", step, total,
                         step / steps_per_epoch, sum(running) / len(running), rate)
                running.clear()
            done = step == total
            out_of_time = args.max_minutes and time.monotonic() - started > 60 * args.max_minutes
            if step % args.checkpoint_every == 0 or done or out_of_time:
                _atomic_save({"model": net.state_dict(), "optimiser": optimiser.state_dict(),
                              "step": step, "torch_rng": torch.get_rng_state(),
                              "args": _run_args(args)}, checkpoint)
            if step % args.eval_every == 0 or done:
                figures = validate(net, tokenizer, valid_items, args)
                net.train()
                figures = {"step": step, "epoch": round(step / steps_per_epoch, 3), **figures}
                with open(run / "curve.jsonl", "a") as fh:
                    fh.write(json.dumps(figures) + "\n")
                log.info("validation %s", figures)
            if out_of_time:
                log.info("--max-minutes reached: stopped at step %d; run again to resume", step)
                return checkpoint
            if done:
                break
    return checkpoint


def _run_args(args) -> dict:
    keep = ("data", "epochs", "batch", "lr", "warmup", "near", "far", "span_weight", "seed",
            "bf16")
    return {k: getattr(args, k) for k in keep}


# -- validation -------------------------------------------------------------------------------
def score(net, tokenizer, question: str, sentences: list[str], batch: int = 64):
    """Selection probability of each sentence, and its best answer span (characters) with
    that span's probability (start x end, among the sentence's word pieces)."""
    import torch

    probs, spans = [], []
    net.eval()
    with torch.inference_mode():
        for b in range(0, len(sentences), batch):
            chunk = sentences[b : b + batch]
            enc = encode(tokenizer, [question] * len(chunk), chunk)
            select, start, end = (t.float() for t in net(
                enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]))
            probs += torch.sigmoid(select).tolist()
            spans += best_spans(enc, start, end, sentence_mask(enc))
    return probs, spans


def best_spans(enc, start, end, mask, longest: int = 30):
    """``(char_start, char_end, probability)`` of each row's best span."""
    import torch

    start = torch.softmax(start.masked_fill(~mask, -1e4), -1)
    end = torch.softmax(end.masked_fill(~mask, -1e4), -1)
    joint = start.unsqueeze(2) * end.unsqueeze(1)  # [b, i, j]
    n = joint.shape[-1]
    allowed = torch.triu(torch.ones(n, n, dtype=torch.bool)) & ~torch.triu(
        torch.ones(n, n, dtype=torch.bool), diagonal=longest)
    joint = joint * allowed
    flat = joint.flatten(1).argmax(-1)
    out = []
    for b, index in enumerate(flat.tolist()):
        i, j = divmod(index, n)
        offsets = enc["offset_mapping"][b]
        out.append((int(offsets[i][0]), int(offsets[j][1]), float(joint[b, i, j])))
    return out


def validate(net, tokenizer, items: list[data.Item], args) -> dict:
    """sentence@1 over the paragraph's sentences plus the 10 most word-sharing sentences of
    the article's other paragraphs; span exact match and F1 on the answering sentence and
    end to end (the span of the top sentence)."""
    rng = random.Random(args.seed)
    squad = [i for i in items if i.source == "squad"]
    selqa = [i for i in items if i.source == "selqa"]
    squad = rng.sample(squad, min(args.valid_questions, len(squad)))
    selqa = rng.sample(selqa, min(args.valid_questions // 3, len(selqa)))
    hits = em = f1 = em_end = f1_end = 0.0
    for item in squad:
        asked = _terms(item.question)
        far = sorted(item.far, key=lambda s: -len(asked & _terms(s)))[:10]
        candidates = list(item.sentences) + far
        probs, spans = score(net, tokenizer, item.question, candidates)
        top = max(range(len(candidates)), key=probs.__getitem__)
        gold = item.positives[0]
        hits += top == gold
        a, z, _ = spans[gold]
        words = candidates[gold][a:z]
        em += max(data.exact(words, t) for t in item.answers)
        f1 += max(data.f1(words, t) for t in item.answers)
        a, z, _ = spans[top]
        end_words = candidates[top][a:z] if top == gold else ""
        em_end += max(data.exact(end_words, t) for t in item.answers) if end_words else 0.0
        f1_end += max(data.f1(end_words, t) for t in item.answers) if end_words else 0.0
    selqa_hits = 0.0
    for item in selqa:
        probs, _ = score(net, tokenizer, item.question, list(item.sentences))
        selqa_hits += max(range(len(probs)), key=probs.__getitem__) in item.positives
    n = len(squad) or 1
    return {"squad_sentence@1": round(hits / n, 4), "span_em": round(em / n, 4),
            "span_f1": round(f1 / n, 4), "end_em": round(em_end / n, 4),
            "end_f1": round(f1_end / n, 4), "squad_questions": len(squad),
            "selqa_sentence@1": round(selqa_hits / (len(selqa) or 1), 4),
            "selqa_questions": len(selqa)}


# -- export ------------------------------------------------------------------------------------
def export(args) -> None:
    """The checkpoint's weights as shipped (fp16, word embeddings left to the base model),
    their sha256, and the validation figures of the exported weights."""
    import torch
    from safetensors.torch import save_file
    from transformers import BertTokenizerFast

    base = bundled_model_dir()
    net = readernet.build(base)
    state = torch.load(Path(args.run) / "checkpoint.pt", weights_only=False)
    net.load_state_dict(state["model"])
    target = readernet.MODEL_DIR
    target.mkdir(parents=True, exist_ok=True)
    weights = target / readernet.WEIGHTS
    save_file(readernet.trained_state(net), str(weights))
    # Figures of what ships: reload the fp16 weights into a fresh network.
    shipped = readernet.build(base)
    readernet.load_trained(shipped, weights)
    tokenizer = BertTokenizerFast.from_pretrained(str(base))
    _, valid_items = data.load(Path(args.data))
    figures = validate(shipped, tokenizer, valid_items,
                       argparse.Namespace(**{**vars(args), "valid_questions": 10**9}))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=False).stdout.strip()
    meta = {"sha256": sha256_file(weights), "base_sha256": BUNDLED_SHA256,
            "max_length": readernet.MAX_LENGTH, "step": state["step"],
            "training": state["args"], "commit": commit, "validation": figures,
            "data_sha256": _data_hashes(Path(args.data))}
    (target / "training.json").write_text(json.dumps(meta, indent=2) + "\n")
    log.info("wrote %s (%.1f MB, sha256 %s): %s", weights, weights.stat().st_size / 1e6,
             meta["sha256"], figures)


def _data_hashes(root: Path) -> dict[str, str]:
    return {f: hashlib.sha256((root / f).read_bytes()).hexdigest()
            for f in (*data.SQUAD_FILES, *data.SELQA_FILES)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qa.training.reader",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data/qa-train")
    parser.add_argument("--run", default="training/runs/reader",
                        help="checkpoint and curve folder (resumes from it)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=float, default=0.05, help="share of steps")
    parser.add_argument("--near", type=int, default=3, help="negatives from the paragraph")
    parser.add_argument("--far", type=int, default=2, help="negatives from other paragraphs")
    parser.add_argument("--span-weight", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--no-bf16", dest="bf16", action="store_false")
    parser.add_argument("--checkpoint-every", type=int, default=100)
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--valid-questions", type=int, default=600)
    parser.add_argument("--threads", type=int, default=0,
                        help="CPU threads for torch (0: its default, one per core)")
    parser.add_argument("--max-minutes", type=float, default=0.0,
                        help="stop at a checkpoint after this long (0: run to the end)")
    parser.add_argument("--export", action="store_true",
                        help="write the shipped weights from the run's checkpoint")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s",
                        stream=sys.stdout)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.export:
        export(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
