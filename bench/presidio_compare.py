"""Presidio's pattern recognizers beside ours on the PII recall set and the Enron slice.

Presidio is NOT a project dependency: run this with a scratch virtualenv that has it,
    python3 -m venv /tmp/presidio-venv && /tmp/presidio-venv/bin/pip install presidio-analyzer
    TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS="" /tmp/presidio-venv/bin/python bench/presidio_compare.py
No NLP engine is loaded: the recognizers are called one by one with nlp_artifacts=None.
Recall counts an expected (detector, quote) as found when a result of the mapped entity
overlaps the quote's span.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from presidio_analyzer.predefined_recognizers import (  # noqa: E402
    AbaRoutingRecognizer,
    CreditCardRecognizer,
    DateRecognizer,
    EmailRecognizer,
    PhoneRecognizer,
    UsBankRecognizer,
    UsLicenseRecognizer,
    UsSsnRecognizer,
)

from app.redaction.detect import Options, detect  # noqa: E402
from tests.redaction.pii_cases import CASES, CITY_DOMAINS  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from detection import bodies  # noqa: E402

RECOGNIZERS = {  # our detector -> the Presidio recognizer for it (none for credential, medical, address)
    "ssn": UsSsnRecognizer(), "card": CreditCardRecognizer(), "phone": PhoneRecognizer(),
    "bank_account": UsBankRecognizer(), "routing": AbaRoutingRecognizer(), "dob": DateRecognizer(),
    "drivers_licence": UsLicenseRecognizer(), "personal_email": EmailRecognizer(),
}


def presidio(text: str) -> list[tuple[str, int, int]]:
    found = []
    for detector, recognizer in RECOGNIZERS.items():
        for result in recognizer.analyze(text, recognizer.supported_entities, None):
            found.append((detector, result.start, result.end))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--bodies", type=int, default=800)
    args = parser.parse_args()
    totals: dict[str, list[int]] = {}
    for case in CASES:
        spans = presidio(case.text)
        options = Options(True, True, CITY_DOMAINS) if case.optional else Options()
        ours = {(f.detector, f.quote) for f in detect(case.text, options)}
        for detector, quote in case.expected:
            start = case.text.index(quote)
            row = totals.setdefault(detector, [0, 0, 0])
            row[0] += 1
            row[1] += any(d == detector and s < start + len(quote) and start < e for d, s, e in spans)
            row[2] += (detector, quote) in ours
    print(f"{'detector':16} {'cases':>5} {'presidio':>8} {'ours':>5}")
    for detector, (count, theirs, ours_found) in sorted(totals.items()):
        print(f"{detector:16} {count:5} {theirs:8} {ours_found:5}")
    all_cases = sum(r[0] for r in totals.values())
    print(f"{'recall':16} {all_cases:5} {sum(r[1] for r in totals.values()) / all_cases:8.0%} "
          f"{sum(r[2] for r in totals.values()) / all_cases:5.0%}")
    texts = bodies(args.corpus)[: args.bodies]
    megabytes = sum(len(t.encode()) for t in texts) / 1e6
    started = time.perf_counter()
    theirs_count = sum(len(presidio(t)) for t in texts)
    theirs_time = time.perf_counter() - started
    started = time.perf_counter()
    ours_count = sum(len(detect(t)) for t in texts)
    ours_time = time.perf_counter() - started
    print(f"Enron, first {len(texts)} bodies ({megabytes:.1f} MB): "
          f"presidio {megabytes / theirs_time:.2f} MB/s "
          f"({theirs_count} results), ours {megabytes / ours_time:.2f} MB/s ({ours_count} findings)")


if __name__ == "__main__":
    main()
