"""``python -m search_api`` is the ``filewarden`` command."""

import sys

from search_api.cli import main

sys.exit(main())
