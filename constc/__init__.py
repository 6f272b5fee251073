"""constc: constitutions as code for AI critics."""

__version__ = "0.1.0"
