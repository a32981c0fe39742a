"""The Updater: one index update at a time in a process, shared by the chat's add panel,
the app's background jobs and `qa watch`. The build itself is replaced by a fake that
records its calls and can be held, so the order of events is certain."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from qa import Settings
from qa.index import updater as updater_module
from qa.index.report import BuildReport
from qa.index.updater import Updater


class FakeBuild:
    """Stands in for build_index: records each call; ``hold()`` keeps the next one
    waiting (``entered`` is set inside it) until ``release()``."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.gate.set()

    def hold(self) -> None:
        self.gate.clear()
        self.entered.clear()

    def release(self) -> None:
        self.gate.set()

    def __call__(self, corpus, *, settings, embedder, progress) -> BuildReport:
        self.calls.append({"corpus": corpus, "embedder": embedder, "progress": progress})
        self.entered.set()
        assert self.gate.wait(60), "the test never released the build"
        return BuildReport(added=(f"build-{len(self.calls)}",))


@pytest.fixture
def build(monkeypatch) -> FakeBuild:
    fake = FakeBuild()
    monkeypatch.setattr(updater_module, "build_index", fake)
    return fake


def test_update_builds_the_corpus_with_its_embedder_then_calls_after(build, settings: Settings,
                                                                    fake) -> None:
    after: list[int] = []
    updater = Updater(settings, embedder=fake, after=lambda: after.append(len(build.calls)))
    progress = [].append
    report = updater.update(progress)
    assert report.added == ("build-1",)
    assert build.calls == [{"corpus": settings.corpus_dir, "embedder": fake,
                            "progress": progress}]
    assert after == [1]  # after the build, once
    assert not updater.busy


def test_a_second_update_is_refused_at_once_or_waits_for_its_turn(build, settings: Settings,
                                                                  fake) -> None:
    updater = Updater(settings, embedder=fake)
    build.hold()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(updater.update)
        assert build.entered.wait(60)
        assert updater.busy
        with updater.turn(wait=False) as mine:  # the chat's panel: refused, nothing built
            assert mine is False
        waiting = pool.submit(updater.update)  # a background job: waits for its turn
        assert not waiting.done() and len(build.calls) == 1
        build.release()
        assert first.result(60).added == ("build-1",)
        assert waiting.result(60).added == ("build-2",)
    assert len(build.calls) == 2 and not updater.busy


def test_a_turn_holds_off_every_other_update_until_it_ends(build, settings: Settings,
                                                           fake) -> None:
    updater = Updater(settings, embedder=fake)
    with ThreadPoolExecutor(1) as pool, updater.turn() as mine:
        assert mine and updater.busy
        waiting = pool.submit(updater.update)
        report = updater.build()  # files saved into the corpus, then one build
        assert report.added == ("build-1",) and not waiting.done()
    assert waiting.result(60).added == ("build-2",)


def test_build_outside_a_turn_is_a_programming_error(build, settings: Settings, fake) -> None:
    with pytest.raises(RuntimeError, match="inside `with updater.turn"):
        Updater(settings, embedder=fake).build()
    assert build.calls == []


def test_a_failed_build_releases_the_turn_and_skips_after(build, settings: Settings, fake,
                                                         monkeypatch) -> None:
    after: list[bool] = []

    def broken(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(updater_module, "build_index", broken)
    updater = Updater(settings, embedder=fake, after=lambda: after.append(True))
    with pytest.raises(OSError):
        updater.update()
    assert not updater.busy and after == []


def test_the_model_is_loaded_once_by_the_first_build(build, settings: Settings, fake,
                                                     monkeypatch) -> None:
    import qa.embed.model

    loaded: list[Settings] = []
    monkeypatch.setattr(qa.embed.model, "SentenceTransformerEmbedder",
                        lambda s: loaded.append(s) or fake)
    updater = Updater(settings)
    updater.update()
    updater.update()
    assert loaded == [settings]
    assert [c["embedder"] for c in build.calls] == [fake, fake]
