"""A deterministic judge for regress tests: a real Labeler, scoring by keywords."""

import re


class KeywordLabeler:
    """Scores a reply high when it mentions a word the principle lists after 'mentions:'.

    Deterministic, graded and sensitive to the principle text, like a real judge should
    be: a hit scores 0.6 + i/100, a miss 0.3 + i/100, for case number i (mod 10); a
    statement containing "Choose" shifts every score down by `shift` (a uniform drift)."""

    model_id, revision, dtype, chat = "keyword", "1", "none", False

    def __init__(self, shift=0.04, blind=False):
        self.scored, self.shift, self.blind = 0, shift, blind

    def fits(self, prompt, options):
        return True

    def score(self, requests):
        out = []
        for r in requests:
            words = re.search(r"mentions: ([^.]*)\.", r.prompt)
            listed = [w.strip() for w in words.group(1).split(",")] if words else []
            convo = r.prompt.split("<BEGIN CONVERSATION>", 1)[1]
            i = int(re.search(r"question (\d+)", convo).group(1)) % 10
            hit = not self.blind and any(w and w in convo for w in listed)
            p = (0.6 if hit else 0.3) + i / 100 - (self.shift if "Choose" in r.prompt else 0.0)
            out.append([p, 1 - p])
            self.scored += 1
        return out
