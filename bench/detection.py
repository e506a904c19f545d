"""Detection throughput beside one compiled-regex scan of the same patterns, and what it finds
on the Enron slice.

    .venv/bin/python bench/detection.py [--corpus ../shared/corpus] [--rounds 3] [--show 0]

1. Reads the distinct text bodies of the Enron mbox slice (else generated text).
2. Times `detect(body)` over every body (default options, then every detector on with
   city_domains=("enron.com",)) beside the baseline: ONE regular expression that is the
   alternation of the detectors' raw patterns (shape regexes, label regexes, the spoken-digit
   run and the medical-term trie), `finditer` over the same bodies, no checks. Best of --rounds.
3. Counts findings per detector on the slice; --show N prints N findings per detector (picked
   evenly through the slice) with some context, for judging false positives by eye.
Prints MB/s, the ratio to the baseline (target: at least 0.25x), and the counts.
"""

from __future__ import annotations

import argparse
import mailbox
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.redaction.detect import (  # noqa: E402  # noqa: E402
    Finding,
    Options,
    credentials,
    dates,
    detect,
    lexicon,
    numbers,
    phones,
    spoken,
)

ENRON = Options(personal_email=True, home_address=True, city_domains=("enron.com",))


def bodies(corpus: Path) -> list[str]:
    """Distinct plain-text bodies of the Enron mbox slice, or generated text without it."""
    folder = corpus / "enron" / "mbox"
    if not folder.is_dir():
        rng = random.Random(2026)
        words = "the city council water main permit call me at 303-555-0142 invoice 4412 surgery".split()  # noqa: SIM905
        return [" ".join(rng.choice(words) for _ in range(400)) for _ in range(2000)]
    seen: dict[str, None] = {}
    for path in sorted(folder.iterdir()):
        for message in mailbox.mbox(path):
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    payload = part.get_payload(decode=True)
                    if isinstance(payload, bytes):
                        seen.setdefault(payload.decode(part.get_content_charset() or "latin-1", "replace"))
    return list(seen)


def baseline_pattern() -> re.Pattern[str]:
    """The alternation of the raw patterns, each group renamed apart, flags kept per branch."""
    patterns = [numbers.SSN, numbers.CO_LICENCE, numbers.DIGIT_RUN, numbers.CARD, phones.CANDIDATE,
                dates.LABEL, dates.DATE, credentials.PASSWORD, credentials.PIN, credentials.TOKEN,
                credentials.USER, spoken.RUN, lexicon.pattern()]
    branches = []
    for index, pattern in enumerate(patterns):
        source = re.sub(r"\(\?P([<=])(\w+)", lambda m, i=index: f"(?P{m[1]}b{i}_{m[2]}", pattern.pattern)
        flag = "i" if pattern.flags & re.IGNORECASE else ""
        branches.append(f"(?{flag}:{source})" if flag else f"(?:{source})")
    return re.compile("|".join(branches))


def timed(texts: list[str], scan: Callable[[str], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            scan(text)
        best = min(best, time.perf_counter() - started)
    return best


def show(texts: list[str], findings: list[list[Finding]], detector: str, count: int) -> None:
    picked = [(i, f) for i, found in enumerate(findings) for f in found if f.detector == detector]
    for i, f in picked[:: max(1, len(picked) // count)][:count]:
        text = texts[i]
        around = text[max(0, f.start - 40):f.start] + "[[" + f.quote + "]]" + text[f.end:f.end + 30]
        print(f"    {around!r}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    texts = bodies(args.corpus)
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    print(f"sample: {len(texts)} distinct bodies, {megabytes:.1f} MB")
    baseline = baseline_pattern()
    base = timed(texts, lambda t: list(baseline.finditer(t)), args.rounds)
    ours = timed(texts, detect, args.rounds)
    every = timed(texts, lambda t: detect(t, ENRON), args.rounds)
    print(f"baseline, one regex of the same patterns: {megabytes / base:6.1f} MB/s")
    print(f"detect, default options:                  {megabytes / ours:6.1f} MB/s  "
          f"{base / ours:.2f}x the baseline (target >= 0.25x)")
    print(f"detect, every detector on:                {megabytes / every:6.1f} MB/s  {base / every:.2f}x")
    findings = [detect(t, ENRON) for t in texts]
    counts = Counter(f.detector for found in findings for f in found)
    print("findings on the slice, every detector on, city_domains=enron.com:")
    for detector, count in counts.most_common():
        print(f"  {detector:16} {count:6}")
        if args.show:
            show(texts, findings, detector, args.show)


if __name__ == "__main__":
    main()
