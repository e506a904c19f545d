"""Numbers read aloud: "four one two, five five, seven eight nine one", "oh" for 0, "double
five". Voicemail transcripts spell digits out; the number detectors read them as digits.

`view_of(text)` is the text with every spoken run replaced by its digits (pauses, marked by a
comma or dash, become "-", so a spoken SSN reads "412-55-7891"), and it maps any
span of the view back to the span of the original words.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

DIGIT_WORDS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "niner": "9",
}
REPEATS = {"double": 2, "triple": 3}
_DIGIT = r"\b(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|niner|\d+)\b"
_TOKEN = rf"(?:\b(?:double|triple)\s+)?{_DIGIT}"
_SEPARATOR = r"(?:[ \t]*[,\-][ \t]*|[ \t]+)"  # a full stop ends the number
RUN = re.compile(rf"{_TOKEN}(?:{_SEPARATOR}{_TOKEN})+", re.IGNORECASE)
_TOKENS = re.compile(rf"(?:\b(?P<repeat>double|triple)\s+)?(?P<digit>{_DIGIT})", re.IGNORECASE)
MIN_DIGITS = 4  # "one or two" is English; four digits or more is a number being read out


@dataclass
class _Run:
    view_start: int
    view_end: int
    starts: list[int]  # for each character of the view inside the run, its original span
    ends: list[int]
    shift_after: int  # original offset minus view offset past this run


@dataclass
class View:
    text: str
    runs: list[_Run] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._starts = [run.view_start for run in self.runs]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span under the view's [start, end)."""
        return self._at(start)[0], self._at(end - 1)[1]

    def _at(self, position: int) -> tuple[int, int]:
        index = bisect_right(self._starts, position) - 1
        if index < 0:
            return position, position + 1
        run = self.runs[index]
        if position < run.view_end:
            offset = position - run.view_start
            return run.starts[offset], run.ends[offset]
        return position + run.shift_after, position + run.shift_after + 1


def _read(text: str, start: int, end: int) -> tuple[str, list[int], list[int]] | None:
    """The digits a spoken run says, with each digit's original span; None when the run is
    written digits in groups (nothing to convert) or too short to be a number."""
    digits: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    spoken = False
    single_digits = True  # "5 5 7 1": a transcriber's digits one by one
    previous_end = start
    for token in _TOKENS.finditer(text, start, end):
        gap = text[previous_end:token.start()]
        if digits and any(mark in gap for mark in ",-"):
            digits.append("-")
            starts.append(previous_end)
            ends.append(token.start())
        word = token["digit"].lower()
        value = DIGIT_WORDS.get(word, word)
        spoken = spoken or word in DIGIT_WORDS
        single_digits = single_digits and len(word) == 1
        if token["repeat"]:
            value *= REPEATS[token["repeat"].lower()]
        for char in value:
            digits.append(char)
            starts.append(token.start())
            ends.append(token.end())
        previous_end = token.end()
    if not (spoken or single_digits) or sum(c.isdigit() for c in digits) < MIN_DIGITS:
        return None
    return "".join(digits), starts, ends


def view_of(text: str) -> View:
    pieces: list[str] = []
    runs: list[_Run] = []
    copied = 0  # original offset up to which text is in `pieces`
    length = 0  # length of the view so far
    for match in RUN.finditer(text):
        reading = _read(text, match.start(), match.end())
        if reading is None:
            continue
        digits, starts, ends = reading
        pieces.append(text[copied:match.start()])
        length += match.start() - copied
        pieces.append(digits)
        runs.append(_Run(length, length + len(digits), starts, ends, match.end() - (length + len(digits))))
        length += len(digits)
        copied = match.end()
    if not runs:
        return View(text)
    pieces.append(text[copied:])
    return View("".join(pieces), runs)
