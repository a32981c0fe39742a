"""The Gradio web chat (the ``web`` extra): its layout and serving, the handlers, the
"Add articles" panel, HTML and Markdown, uploads and the background jobs."""

from __future__ import annotations

from .app import build_app, launch, load_or_build, serve
from .handlers import ChatApp

__all__ = [
    "build_app",
    "ChatApp",
    "launch",
    "load_or_build",
    "serve",
]
