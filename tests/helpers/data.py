"""Where the tests' data lives. A small subset of the shared corpora is in the repository
(tests/data/README.md): the suite passes on a bare clone, without the team's data folder
beside it."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
BBC = DATA / "bbc-news" / "news"
DEV_QUESTIONS = DATA / "bbc-news" / "dev-questions.jsonl"
TIME_BEIR = DATA / "time-1963" / "beir"
SEED = ROOT / "corpus" / "2026-01-30-jaishankar-gor.txt"
