"""The web chat: `python app.py [--host H] [--port P]` (the same as `qa serve`).

Indexes corpus/ first if there is no index yet, then serves on http://127.0.0.1:7860.
"""

import sys

from qa.cli import main

if __name__ == "__main__":
    main(["serve", *sys.argv[1:]], prog_name="app.py")
