"""Finding a redacted string among the characters or words of a page.

Both sides are reduced to their letters and digits, case-folded (NFKC, so ligatures and
full-width digits match too): "078-05-1120", "078 05 1120" and "07805 1120" are one string,
and so is a phrase broken over lines or hyphenated. A match must begin at the start of a word
and end at the end of one, so "Ann" does not black out "Annex". OCR'd words also fold the
letters OCR confuses with digits (O/0, l/1, S/5, B/8), and a run of OCR'd words matches
when it is within a few edits of the quote (one per five characters: "078-005-1120" read for
"078-05-1120"): over-redacting a look-alike is the safe side of a misread.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Sequence

_OCR_FOLD = str.maketrans({"o": "0", "i": "1", "l": "1", "|": "1", "s": "5", "b": "8", "z": "2"})


def _fold(char: str, ocr: bool) -> str:
    """The letters and digits a character stands for, case-folded ("" for space and punctuation)."""
    kept = (c for c in unicodedata.normalize("NFKC", char).casefold() if c.isalnum() or (ocr and c == "|"))
    folded = "".join(kept)
    return folded.translate(_OCR_FOLD) if ocr else folded


def canonical(pieces: Sequence[str], ocr: bool = False) -> tuple[str, list[int], set[int], set[int]]:
    """The pieces' letters and digits as one string, with for each of its characters the index
    of the piece it came from, and the positions where a word starts and where one ends."""
    chars: list[str] = []
    owner: list[int] = []
    starts: set[int] = set()
    ends: set[int] = set()
    previous_alnum = False
    for index, piece in enumerate(pieces):
        for char in piece:
            folded = _fold(char, ocr)
            if not folded:
                if previous_alnum:
                    ends.add(len(chars))
                previous_alnum = False
                continue
            if not previous_alnum:
                starts.add(len(chars))
            for c in folded:
                chars.append(c)
                owner.append(index)
            previous_alnum = True
        if ocr:  # each OCR word is a word
            if previous_alnum:
                ends.add(len(chars))
            previous_alnum = False
    if previous_alnum:
        ends.add(len(chars))
    return "".join(chars), owner, starts, ends


def matches(pieces: Sequence[str], quote: str, ocr: bool = False) -> list[list[int]]:
    """For each place the quote occurs, the indexes of the pieces (characters or words) it covers."""
    needle = canonical([quote], ocr)[0]
    if not needle:
        return []
    text, owner, starts, ends = canonical(pieces, ocr)
    if ocr:
        return _near(text, owner, sorted(starts), sorted(ends), needle)
    found: list[list[int]] = []
    at = text.find(needle)
    while at >= 0:
        end = at + len(needle)
        if at in starts and end in ends:
            found.append(sorted(set(owner[at:end])))
        at = text.find(needle, at + 1)
    return found


def _near(text: str, owner: list[int], starts: list[int], ends: list[int], needle: str) -> list[list[int]]:
    """Runs of whole tokens (letters and digits between punctuation or spaces) whose text is
    within len(needle) // 5 edits of the needle; overlapping runs are kept, the burn joins them."""
    allowed = len(needle) // 5
    found: list[list[int]] = []
    for start in starts:
        for end in ends[bisect.bisect_right(ends, start):]:
            if end - start > len(needle) + allowed:
                break
            near = end - start >= len(needle) - allowed
            if near and _distance(text[start:end], needle, allowed) <= allowed:
                found.append(sorted(set(owner[start:end])))
    return found


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of a and b (anything over limit reported as limit + 1)."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]
