"""Templates are checked when saved and rendered in a sandbox: hostile text gets nowhere."""

from __future__ import annotations

import pytest

from app.core.errors import BadRequest
from app.letters import render
from app.letters.context import sample_contexts

SAMPLES = sample_contexts("City of Springvale")
GOOD_SUBJECT = "Request {{ request_number }}"


def refused(body: str, subject: str = GOOD_SUBJECT) -> BadRequest:
    with pytest.raises(BadRequest) as caught:
        render.check(subject, body, SAMPLES)
    return caught.value


def test_a_good_template_passes_and_renders_escaped_values() -> None:
    body = "<p>Dear {{ requester_name }},</p>\n{% for g in grounds %}<li>{{ g.code }}</li>{% endfor %}"
    render.check(GOOD_SUBJECT, body, SAMPLES)
    hostile = {**SAMPLES[0], "requester_name": "<script>alert(1)</script> & Co"}
    out = render.render("Re: {{ requester_name }}\nline two", body, hostile)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in out.html
    assert "<script>" not in out.html
    assert out.subject == "Re: <script>alert(1)</script> & Co line two"  # plain text, one line


@pytest.mark.parametrize(("body", "line", "words"), [
    ("<p>one</p>\n<p>two</p>\n{% if partial %}never closed", 3, "Unexpected end of template"),
    ("<p>ok</p>\n\n{{ requester_nmae }}", 3, "'requester_nmae' is not a name this template knows"),
    ("a\nb\n{{ ''.__class__ }}", 3, "names starting with _ are not allowed"),
    ("{{ grounds['__class__'] }}", 1, "names starting with _ are not allowed"),
    ("x\n{{ ''|attr('__class__') }}", 2, "unsafe"),
    ("{{ request_number.format.__globals__ }}", 1, "names starting with _"),
    ("{% include '/etc/passwd' %}", 1, "no loader"),
    ("{% import 'os' as os %}", 1, "no loader"),
    ("{{ 'x' * 100000000 }}", 1, "letters allow"),
    ("{{ 9 ** 9 ** 9 }}", 1, "** operator is not allowed"),
    ("{{ '%999999999d' % 1 }}", 1, "% operator is not allowed"),
    ("{{ lipsum(100000) }}", 1, "'lipsum' is not a name this template knows"),
    ("{{ 'a'|center(999999999) }}", 1, "No filter named 'center'"),
    ("{{ fees.total.nope }}", 1, "has no attribute 'nope'"),
])
def test_a_bad_template_is_refused_naming_its_line(body: str, line: int, words: str) -> None:
    problem = refused(body)
    assert problem.extra == {"field": "body", "line": line}, problem.detail
    assert f"line {line}" in problem.detail and words in problem.detail, problem.detail


def test_the_subject_is_checked_too() -> None:
    problem = refused("<p>fine</p>", subject="{{ request_number.__class__ }}")
    assert problem.extra["field"] == "subject"


def test_output_is_capped() -> None:
    body = "{% for i in range(100000) %}{{ 'x' * 99999 }}{% endfor %}"
    assert "longer than" in refused(body).detail


def test_rendering_a_template_the_context_cannot_fill_is_a_400_with_its_line() -> None:
    with pytest.raises(BadRequest) as caught:
        render.render(GOOD_SUBJECT, "<p>\n{{ fees.total }}</p>", {**SAMPLES[0], "fees": None})
    assert caught.value.extra["line"] == 2
