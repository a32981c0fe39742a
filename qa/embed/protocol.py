"""What the rest of the package needs from an embedding model: a small protocol, so tests
and tools can inject a fast fake where the model is not the point."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Tokenizer


@runtime_checkable
class Embedder(Protocol):
    """What indexing and search need from an embedding model."""

    name: str  # recorded in the manifest
    fingerprint: str  # hash of the weights: an index only loads with the same model
    dim: int
    max_tokens: int  # word pieces per text the model sees, specials excluded
    tokenizer: Tokenizer

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised float32 vector."""
        ...
