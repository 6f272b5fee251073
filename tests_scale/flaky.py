"""An actor's labeler that dies once: the first process to score finds no marker file,
writes it and exits hard, as a crashed GPU worker would. Ray restarts the actor."""

import os

from constc.label.lazy import LazyLabeler


class FlakyLabeler(LazyLabeler):
    def __init__(self, marker: str, **kwargs):
        super().__init__(**kwargs)
        self.marker = marker

    def score(self, requests):
        if not os.path.exists(self.marker):
            with open(self.marker, "w") as fh:
                fh.write(str(os.getpid()))
            os._exit(1)
        return super().score(requests)
