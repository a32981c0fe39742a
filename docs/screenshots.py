"""Retake the chat's screenshots in docs/ on the sample corpus (corpus/):

    python docs/screenshots.py

serves a copy of corpus/ with `app.py` on a free loopback port (indexing it into a
temporary folder), asks the example question in headless Chromium (playwright, with the
Debian `chromium` or $CHROMIUM) and saves docs/chat.png (1280x900) and docs/chat-phone.png
(390x844).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "What did Gor and Jaishankar discuss?"
SHOTS = {"chat.png": (1280, 900), "chat-phone.png": (390, 844)}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(home: Path) -> tuple[subprocess.Popen, str]:
    shutil.copytree(ROOT / "corpus", home / "corpus")
    port = _port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QA_INDEX": str(home / "index"),
           "QA_CORPUS": str(home / "corpus")}
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)],
                            cwd=home, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(600):
        try:
            with urllib.request.urlopen(url, timeout=5):
                return proc, url
        except OSError:
            if proc.poll() is not None:
                raise SystemExit("the app exited before serving") from None
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start within 5 minutes")


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = _serve(Path(tmp))
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=os.environ.get("CHROMIUM") or shutil.which("chromium"),
                    args=["--no-sandbox", "--disable-gpu"])
                for name, (width, height) in SHOTS.items():
                    page = browser.new_page(viewport={"width": width, "height": height})
                    page.goto(url)
                    page.locator("#qa-question textarea").fill(QUESTION)
                    page.locator("#qa-ask").click()
                    page.locator("#qa-chat .qa-answer").wait_for(timeout=120_000)
                    page.evaluate("document.fonts.ready.then(() => true)")
                    page.wait_for_timeout(800)  # scrolled to the answer's first line
                    page.screenshot(path=ROOT / "docs" / name)
                    page.close()
                    print(f"docs/{name}")
                browser.close()
        finally:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
