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


class PolicyKeywordJudge(KeywordLabeler):
    """KeywordLabeler's rule as a generating policy judge (gpt-oss-safeguard's dialect):
    it reads each rule of the policy in the system message, finds the first one whose
    words the conversation mentions, and writes a harmony answer — reasoning in the
    analysis channel, the verdict as policy-referencing JSON in the final one. `garble`
    (a set of case numbers) writes an answer that never reaches the final channel."""

    def __init__(self, garble=()):
        super().__init__()
        self.garble, self.written = set(garble), 0

    def generate(self, requests):
        import json

        out = []
        for r in requests:
            messages = json.loads(r.prompt)["messages"]
            policy, convo = messages[0]["content"], messages[-1]["content"]
            hit = None
            for pid, words in re.findall(r"\*\*([A-Z]+-\d+)\*\* \([^)]*\): [^\n]*?mentions: ([^.\n]*)\.", policy):
                if any(w.strip() and w.strip() in convo for w in words.split(",")):
                    hit = pid
                    break
            self.written += 1
            if int(re.search(r"question (\d+)", convo).group(1)) in self.garble:
                out.append("<|channel|>analysis<|message|>Thinking about the policy and")
                continue
            verdict = {"violation": 1, "policy_category": hit} if hit else {"violation": 0, "policy_category": None}
            out.append(f"<|channel|>analysis<|message|>Checked each rule.<|end|><|start|>assistant"
                       f"<|channel|>final<|message|>{json.dumps(verdict)}<|return|>")
        return out
