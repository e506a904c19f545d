"""Hostile template text is rendered in a child process with limits on memory and time.

The sandbox keeps a template from Python's internals, files and the network, but not
from asking for work: nested loops or a string doubled fifty times. So the check at
save time and the drawing of a letter (Jinja2, then WeasyPrint) run in a short-lived
child forked from a single-threaded fork server that has both loaded: it gets
MEMORY_BYTES of address space and CPU_SECONDS of processor time, and is killed after
WALL_SECONDS. A template that runs out of either is refused with a 400.
"""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from app.core.errors import BadRequest
from app.letters import pdf, render

MEMORY_BYTES = 2 * 2**30
CPU_SECONDS = 20
WALL_SECONDS = 60

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["app.letters.isolation"])
TOO_COSTLY = ("The template needs more memory or time than a letter may use "
              "(loops inside loops, or values built over and over?).")


def _draw(subject: str, body: str, context: dict[str, Any]) -> tuple[str, str, bytes]:
    rendered = render.render(subject, body, context)
    return rendered.subject, rendered.html, pdf.html_to_pdf(rendered.html)


TASKS: dict[str, Callable[..., Any]] = {"check": render.check, "draw": _draw,
                                        "render_all": render.render_all}


def run(task: str, *args: Any, memory_bytes: int = MEMORY_BYTES, cpu_seconds: int = CPU_SECONDS,
        wall_seconds: float = WALL_SECONDS) -> Any:
    """TASKS[task](*args) in a limited child; its BadRequest is raised here."""
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    child = _CONTEXT.Process(target=_child, args=(sender, task, args, memory_bytes, cpu_seconds),
                             daemon=True)
    child.start()
    sender.close()
    try:
        if not receiver.poll(wall_seconds):
            raise BadRequest(TOO_COSTLY)
        outcome, value = receiver.recv()
    except EOFError:  # killed: past its CPU time (SIGXCPU) or out of memory
        raise BadRequest(TOO_COSTLY) from None
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if outcome == "refused":
        detail, extra = value
        raise BadRequest(detail, **extra)
    if outcome == "failed":
        raise RuntimeError(f"rendering a letter failed: {value}")
    return value


def _child(sender: Connection, task: str, args: tuple[Any, ...], memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    try:
        sender.send(("done", TASKS[task](*args)))
    except BadRequest as refused:
        sender.send(("refused", (refused.detail, refused.extra)))
    except MemoryError:
        sender.send(("refused", (TOO_COSTLY, {})))
    except Exception as exc:  # reported to the parent, which raises it
        sender.send(("failed", f"{type(exc).__name__}: {exc}"))
    finally:
        sender.close()
