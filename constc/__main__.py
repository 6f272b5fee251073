import sys

from constc.cli import main

sys.exit(main())
