"""``python -m bot`` runs the same command line as ``faqbot``."""

import sys

from bot.cli import main

sys.exit(main())
