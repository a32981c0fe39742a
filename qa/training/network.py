"""The reader network in torch, for training and for exporting what ships.

``build`` gives the shipped all-MiniLM-L6-v2 encoder with two heads: *start*/*end* logits
over the word pieces (SQuAD-style) and an *answers* logit from [CLS]. ``export_onnx``
writes it as the int8 ONNX graph the product runs (:mod:`qa.answer.reader_model`): the
graph takes word embeddings, not word ids, because the word-embedding table was frozen in
training and is read from the bundled base model instead of being shipped twice.
"""

from __future__ import annotations

from pathlib import Path

from qa.embed.onnx_export import bundled_bert, onnx_graph

#: Frozen in training: taken from the base model at run time, not shipped.
FROZEN = "bert.embeddings.word_embeddings.weight"
INPUTS = ("embeddings", "attention_mask", "token_type_ids")
OUTPUTS = ("answers", "start", "end")


def build(base_dir: Path | None = None):
    """A reader network with the base model's architecture and weights (heads at random)."""
    import torch

    class ReaderNet(torch.nn.Module):
        def __init__(self, bert) -> None:
            super().__init__()
            self.bert = bert
            self.answers = torch.nn.Linear(bert.config.hidden_size, 1)
            self.span = torch.nn.Linear(bert.config.hidden_size, 2)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
            return self.heads(self.bert.embeddings.word_embeddings(input_ids), attention_mask,
                              token_type_ids)

        def heads(self, embeddings: torch.Tensor, attention_mask: torch.Tensor,
                  token_type_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
            hidden = self.bert(inputs_embeds=embeddings, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            start, end = self.span(hidden).unbind(-1)
            return self.answers(hidden[:, 0]).squeeze(-1), start, end

    return ReaderNet(bundled_bert(base_dir, attention="sdpa"))


def from_onnx(graph: Path, base_dir: Path | None = None):
    """A reader network holding the weights of a shipped int8 graph (``export_onnx``'s),
    dequantised: a later training stage can start from what ships, as the training runs'
    own checkpoints are not kept. The word embeddings are the base model's, as in the graph.
    """
    import onnx
    import torch
    from onnx import numpy_helper

    net = build(base_dir)
    model = onnx.load(str(graph))
    stored = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}

    def dequantised(name: str):
        q, scale, zero = (stored[f"{name}_{k}"] for k in ("quantized", "scale", "zero_point"))
        return (q.astype("float32") - zero.astype("float32")) * scale  # per column, or whole

    weights: dict[str, object] = {k: v for k, v in stored.items() if k.startswith("net.")
                                  and not k.endswith(("_quantized", "_scale", "_zero_point"))}
    for part in ("position_embeddings", "token_type_embeddings"):
        weights[f"net.bert.embeddings.{part}.weight"] = dequantised(
            f"net.bert.embeddings.{part}.weight")
    for node in model.graph.node:
        if node.op_type == "QAttention":  # one [hidden, 3 * hidden] matrix: query, key, value
            layer = int(node.name.split("_")[1])
            w = dequantised(node.input[1].removesuffix("_quantized"))
            b = stored[node.input[2]]
            for k, part in enumerate(("query", "key", "value")):
                cols = slice(k * w.shape[0], (k + 1) * w.shape[0])
                prefix = f"net.bert.encoder.layer.{layer}.attention.self.{part}"
                weights[f"{prefix}.weight"], weights[f"{prefix}.bias"] = w[:, cols].T, b[cols]
        elif node.op_type == "MatMulInteger":  # named for its module: /span/MatMul_quant
            module = node.name.rsplit("/", 1)[0].strip("/").replace("/", ".")
            weights[f"net.{module}.weight"] = dequantised(
                node.input[1].removesuffix("_quantized")).T
    state = {k.removeprefix("net."): torch.from_numpy(v.copy()) for k, v in weights.items()}
    state[FROZEN] = net.state_dict()[FROZEN]
    net.load_state_dict(state, strict=True)
    return net


def export_onnx(net, target: Path, work: Path) -> None:
    """``net`` as an int8 (dynamically quantised) ONNX graph at ``target``: inputs
    ``INPUTS`` (word embeddings [n, length, 384], mask and token types [n, length]),
    outputs ``OUTPUTS``. ``work`` holds the fp32 graph on the way."""
    import torch

    class Heads(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, embeddings, attention_mask, token_type_ids):
            return self.net.heads(embeddings, attention_mask, token_type_ids)

    net.eval()
    # The plain attention graph, which ONNX Runtime's optimiser fuses into one Attention op
    # per layer (PyTorch's fused attention exports as many small ops: 1.5x slower).
    net.bert.set_attn_implementation("eager")
    n, length = 2, 16
    example = (torch.zeros(n, length, net.bert.config.hidden_size),
               torch.ones(n, length, dtype=torch.int64), torch.zeros(n, length, dtype=torch.int64))
    dynamic = {name: {0: "pairs", 1: "pieces"} for name in INPUTS}
    dynamic.update({"answers": {0: "pairs"}, "start": {0: "pairs", 1: "pieces"},
                    "end": {0: "pairs", 1: "pieces"}})
    onnx_graph(Heads(), example, list(INPUTS), list(OUTPUTS), dynamic, target, work,
               heads=net.bert.config.num_attention_heads, hidden=net.bert.config.hidden_size)
