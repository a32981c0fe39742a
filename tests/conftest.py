from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fakes import FakeEmbedder  # noqa: E402

from qa import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# A small subset of the shared corpora lives in the repository (tests/data/README.md):
# the suite passes on a bare clone, without the team's data folder beside it.
DATA = ROOT / "tests" / "data"
BBC = DATA / "bbc-news" / "news"
DEV_QUESTIONS = DATA / "bbc-news" / "dev-questions.jsonl"
TIME_BEIR = DATA / "time-1963" / "beir"
SEED = ROOT / "corpus" / "2026-01-30-jaishankar-gor.txt"


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
    """A web server on 127.0.0.1 whose pages a test sets (tests/webserver.py)."""
    from webserver import Site

    with Site() as server:
        yield server


@pytest.fixture(scope="session")
def real_embedder():
    from qa import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()
