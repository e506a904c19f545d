"""A template that asks for too much work is stopped in its child process and refused."""

from __future__ import annotations

import time

import pytest

from app.core.errors import BadRequest
from app.letters import isolation
from app.letters.context import sample_contexts

SAMPLES = sample_contexts("City")


def test_a_good_template_is_checked_and_drawn_in_the_child() -> None:
    assert isolation.run("check", "Re {{ request_number }}", "<p>{{ requester_name }}</p>", SAMPLES) is None
    subject, html, pdf = isolation.run("draw", "Re {{ request_number }}", "<p>{{ requester_name }}</p>",
                                       SAMPLES[0])
    assert subject == "Re 2026-0001" and html == "<p>Alex Requester</p>" and pdf.startswith(b"%PDF-")


def test_the_childs_refusal_keeps_its_line() -> None:
    with pytest.raises(BadRequest) as caught:
        isolation.run("check", "x", "<p>\n{{ nope }}</p>", SAMPLES)
    assert caught.value.extra == {"field": "body", "line": 2}


def test_loops_inside_loops_are_stopped_by_the_cpu_limit() -> None:
    body = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(BadRequest, match="more memory or time"):
        isolation.run("check", "x", body, SAMPLES, cpu_seconds=1)
    assert time.monotonic() - started < 30


def test_a_value_doubled_over_and_over_is_stopped_by_the_memory_limit() -> None:
    body = "{% set s = 'x' * 99999 %}" + "{% set s = s ~ s %}" * 40 + "{{ s|length }}"
    with pytest.raises(BadRequest, match="more memory or time"):
        isolation.run("check", "x", body, SAMPLES, memory_bytes=512 * 2**20)


def test_a_child_that_hangs_is_killed_at_the_wall_clock_limit() -> None:
    body = "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    started = time.monotonic()
    with pytest.raises(BadRequest, match="more memory or time"):
        isolation.run("check", "x", body, SAMPLES, wall_seconds=1)
    assert time.monotonic() - started < 10
