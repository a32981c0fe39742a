from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

# The tests are laid out by stage like the package (tests/index/..., tests/web/...); what
# they share is the helpers package beside this file.
sys.path.insert(0, str(Path(__file__).parent))

from qa import Settings  # noqa: E402

from helpers.data import BBC, SEED  # noqa: E402
from helpers.fakes import FakeEmbedder  # noqa: E402


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus")


@pytest.fixture
def corpus(settings: Settings) -> Path:
    """A small corpus: the sample article and a dozen BBC articles."""
    folder = settings.corpus_dir
    folder.mkdir(parents=True)
    shutil.copy(SEED, folder / SEED.name)
    for path in sorted((BBC / "tech").glob("*.txt"))[:12]:
        (folder / "tech").mkdir(exist_ok=True)
        shutil.copy(path, folder / "tech" / path.name)
    return folder


@pytest.fixture
def site():
    """A web server on 127.0.0.1 whose pages a test sets (tests/helpers/webserver.py)."""
    from helpers.webserver import Site

    with Site() as server:
        yield server


@pytest.fixture(scope="session")
def real_embedder():
    from qa import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
