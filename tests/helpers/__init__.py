"""What the tests share: the data paths, a fake embedder, a local web server, a build worker
to kill, and the kill rounds that drive it."""
