"""Settings: every default in one frozen value, checked on creation, read from the
environment only by ``Settings.from_env``."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa import QAError, Settings
from qa.errors import BadSetting


@pytest.mark.parametrize(("changes", "says"), [
    ({"mode": "nonsense"}, "mode must be one of dense, bm25, hybrid, not 'nonsense'"),
    ({"k": 0}, "k must be at least 1, not 0"),
    ({"k": 101}, "k must be at most max_k (100), not 101"),
    ({"k": 2.5}, "k must be a whole number, not 2.5"),
    ({"k": True}, "k must be a whole number, not True"),
    ({"dense_share": 7.0}, "dense_share must be from 0.0 to 1.0, not 7.0"),
    ({"dense_share": float("nan")}, "dense_share must be a number, not nan"),
    ({"precision": "fp8"}, "precision must be one of auto, fp32, bf16, not 'fp8'"),
    ({"port": 70_000}, "port must be from 0 to 65535, not 70000"),
    ({"concurrency": 0}, "concurrency must be from 1 to 1024, not 0"),
    ({"fetch_timeout": 0}, "fetch_timeout must be at least 0.001, not 0"),
    ({"model": ""}, "model must be a model name or folder"),
    ({"fetch_allow_hosts": "intranet"}, "fetch_allow_hosts must be a tuple of host names"),
])
def test_a_value_out_of_range_is_refused_on_creation_with_its_name(changes, says) -> None:
    with pytest.raises(BadSetting) as refused:
        Settings(**changes)
    assert says in str(refused.value)
    assert isinstance(refused.value, QAError) and isinstance(refused.value, ValueError)
    with pytest.raises(BadSetting):  # a copy with a change is checked too
        Settings().with_(**changes)


def test_the_defaults_and_sensible_overrides_are_accepted() -> None:
    Settings()
    Settings(mode="bm25", k=100, dense_share=1, min_relevance=-0.5, keep_versions=0, port=0,
             lock_timeout=-1, feed_poll_minutes=0.5, fetch_allow_hosts=("intranet.local",))


def test_paths_given_as_text_become_paths() -> None:
    settings = Settings(corpus_dir="news", index_dir="ix")  # type: ignore[arg-type]
    assert settings.corpus_dir == Path("news") and settings.index_dir == Path("ix")


def test_from_env_reads_the_qa_variables_and_lets_arguments_win(monkeypatch) -> None:
    monkeypatch.setenv("QA_INDEX", "/srv/index")
    monkeypatch.setenv("QA_CORPUS", "/srv/corpus")
    monkeypatch.setenv("QA_UPLOAD_TOKEN", "s3cret")
    settings = Settings.from_env(corpus_dir=Path("mine"), k=None)
    assert settings.index_dir == Path("/srv/index") and settings.corpus_dir == Path("mine")
    assert settings.upload_token == "s3cret" and settings.k == 5
    assert "s3cret" not in repr(settings)


def test_a_bad_value_from_the_environment_is_refused_too(monkeypatch) -> None:
    monkeypatch.setenv("QA_MODEL", " ")
    with pytest.raises(BadSetting, match="model must be"):
        Settings.from_env()
