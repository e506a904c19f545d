"""Letter templates in Jinja2's sandbox: checked when saved, rendered when a letter is made.

Template text is hostile. The sandbox keeps it from Python internals (no attribute
that starts with "_", no unsafe method); the environment has no loader, so
`include`, `import` and `extends` reach no file; the names it knows are the
context's keys (CONTEXT_KEYS) and a few harmless helpers. Output that grows past
MAX_OUTPUT, and operators that would build a huge string or list, are refused.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from app.core.errors import BadRequest

# The context a template sees (app.letters.context builds it; the README lists it).
CONTEXT_KEYS = frozenset({
    "city_name", "letter_date", "request_number", "request_description", "request_status",
    "requester_name", "requester_organization", "requester_email", "received_date", "due_date",
    "extended_due_date", "extension_reason", "grounds", "partial", "fees", "note",
})
MAX_TEMPLATE = 100_000  # characters of template text
MAX_OUTPUT = 2_000_000  # characters a letter may render to
MAX_SEQUENCE = 100_000  # longest string or list one operator may build


class _LetterSandbox(SandboxedEnvironment):
    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def call_binop(self, context: Context, op: str, left: Any, right: Any) -> Any:
        if op in ("**", "%"):  # a letter needs neither; both can build huge values
            raise SecurityError(f"the {op} operator is not allowed in letters")
        result = (operator.mul if op == "*" else operator.add)
        if op == "*" and isinstance(left, str | list | tuple) and isinstance(right, int):
            _check_size(len(left) * right)
        elif op == "*" and isinstance(right, str | list | tuple) and isinstance(left, int):
            _check_size(len(right) * left)
        elif op == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            _check_size(len(left) + len(right))
        return result(left, right)


def _check_size(size: int) -> None:
    if size > MAX_SEQUENCE:
        raise SecurityError(f"that would build a value of {size} items; letters allow {MAX_SEQUENCE}")


def _environment(autoescape: bool) -> _LetterSandbox:
    env = _LetterSandbox(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True)
    for name in ("lipsum", "namespace", "cycler", "joiner"):
        env.globals.pop(name, None)
    for name in ("center", "indent", "format", "wordwrap", "xmlattr", "tojson", "pprint"):
        env.filters.pop(name, None)
    return env


# The body is HTML (values escaped); the subject is one line of plain text.
HTML = _environment(autoescape=True)
TEXT = _environment(autoescape=False)


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str


def check(subject: str, body: str, samples: list[dict[str, Any]],
          known: frozenset[str] = CONTEXT_KEYS) -> None:
    """Refuse (400, naming the line) a template that would not compile, names something the
    context lacks (`known`: a letter's, unless another kind of template says), reaches for
    internals, or fails on any of the sample contexts."""
    for field, source, env in (("subject", subject, TEXT), ("body", body, HTML)):
        if len(source) > MAX_TEMPLATE:
            raise BadRequest(f"The {field} template is longer than {MAX_TEMPLATE} characters.",
                             field=field)
        tree = _parse(field, source, env)
        _known_names_only(field, tree, env, known)
        _no_private_attributes(field, tree)
        for sample in samples:
            _render(field, source, env, sample)


def render_all(subject: str, body: str, contexts: list[dict[str, Any]]) -> list[Rendered]:
    """One template for many recipients (hold notices), in one isolated child."""
    return [render(subject, body, context) for context in contexts]


def render(subject: str, body: str, context: Mapping[str, Any]) -> Rendered:
    """A letter's subject and HTML; a template that fails here is a 400 naming its line."""
    line = " ".join(_render("subject", subject, TEXT, context).split())
    return Rendered(subject=line[:998], html=_render("body", body, HTML, context))


def _parse(field: str, source: str, env: _LetterSandbox) -> nodes.Template:
    try:
        tree = env.parse(source)
        env.compile(tree)
    except TemplateSyntaxError as exc:
        raise _problem(field, exc.lineno, exc.message or "syntax error") from None
    return tree


def _known_names_only(field: str, tree: nodes.Template, env: _LetterSandbox,
                      known: frozenset[str]) -> None:
    unknown = meta.find_undeclared_variables(tree) - known - set(env.globals)
    if not unknown:
        return
    name = sorted(unknown)[0]
    line = min((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), default=1)
    raise _problem(field, line, f"{name!r} is not a name this template knows; use one of "
                                f"{', '.join(sorted(known))}")


def _no_private_attributes(field: str, tree: nodes.Template) -> None:
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        name = None
        if isinstance(node, nodes.Getattr):
            name = node.attr
        elif isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
            name = node.arg.value
        if isinstance(name, str) and name.startswith("_"):
            raise _problem(field, node.lineno, f"{name!r}: names starting with _ are not allowed")


def _render(field: str, source: str, env: _LetterSandbox, context: Mapping[str, Any]) -> str:
    try:
        return _capped(env.from_string(source).generate(dict(context)))
    except TemplateSyntaxError as exc:
        raise _problem(field, exc.lineno, exc.message or "syntax error") from None
    except (TemplateError, SecurityError, TypeError, ValueError, ArithmeticError, LookupError,
            AttributeError, RecursionError) as exc:
        raise _problem(field, _template_line(exc.__traceback__), str(exc)) from None


def _capped(pieces: Iterator[str]) -> str:
    out, size = [], 0
    for piece in pieces:
        size += len(piece)
        if size > MAX_OUTPUT:
            raise SecurityError(f"the letter would be longer than {MAX_OUTPUT} characters")
        out.append(piece)
    return "".join(out)


def _template_line(tb: TracebackType | None) -> int | None:
    """The template line an error was raised on (Jinja rewrites its frames to them)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _problem(field: str, line: int | None, message: str) -> BadRequest:
    where = f" on line {line}" if line else ""
    return BadRequest(f"The {field} template has an error{where}: {message}", field=field, line=line)
