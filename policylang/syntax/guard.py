"""Limits on policy text before it becomes an AST: its length, how deep it nests, how long its texts are.

Every later phase (the transformer, the checker, the compiler, the explanations, the logic
analyses) walks expressions recursively, so nesting is bounded here, once, on Lark's parse
tree and without recursion: a policy nested deeper than :attr:`Limits.nesting
<policylang.base.limits.Limits.nesting>` is a syntax error at the place it goes too deep,
never a ``RecursionError`` later. A chain of ``and`` (or of ``or``) is not nesting: the
transformer builds it as a balanced tree, so it counts as the depth of that tree.
"""

from __future__ import annotations

from typing import Any

from lark import Token, Tree

from policylang.base.errors import Diagnostic
from policylang.base.limits import LimitError, Limits
from policylang.base.span import Source, Span, point

CHAINS = frozenset({"and_op", "or_op"})
# The rules of grammar.lark that nest: expressions and type constructors. (Declarations and
# clauses do not; wrappers such as `type`, `field` and `record_entry` add no depth of their own.)
NESTING = frozenset(
    {
        *CHAINS,
        "if_expr",
        "not_op",
        "compare",
        "in_op",
        "not_in_op",
        "is_null",
        "is_not_null",
        "is_empty",
        "is_not_empty",
        "binary",
        "index",
        "field_access",
        "call",
        "quantifier",
        "set_lit",
        "list_lit",
        "record_lit",
        "optional_type",
        "union_type",
        "list_type",
        "set_type",
        "map_type",
        "record_type",
        "enum_type",
        "ordered_enum_type",
    }
)


def check_length(text: str, source: Source, limits: Limits) -> None:
    """A text longer than ``limits.source_bytes`` is refused before it is parsed."""
    if len(text) > limits.source_bytes:
        raise _error(
            source,
            point(source, 1, 1),
            f"the policy text has {len(text):,} characters; the limit `source_bytes` allows {limits.source_bytes:,}",
        )


def check_tree(tree: Any, source: Source, limits: Limits) -> None:
    """Refuse a parse tree nested deeper than ``limits.nesting`` or with a text longer than ``limits.text_chars``.

    Depth counts the expressions and types inside one another (:data:`NESTING`): ``not not a``
    is 2 deep, ``list of list of int`` is 2 deep.
    """
    stack: list[tuple[Any, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Token):
            if node.type == "STRING" and len(node) - 2 > limits.text_chars:
                raise _error(
                    source,
                    _token_span(source, node),
                    f"this text has {len(node) - 2:,} characters; the limit `text_chars` allows {limits.text_chars:,}",
                )
            continue
        if not isinstance(node, Tree):
            continue
        if node.data in NESTING:
            depth += 1 + (max(len(node.children) - 1, 1).bit_length() - 1 if node.data in CHAINS else 0)
        if depth > limits.nesting:
            raise _error(
                source,
                _tree_span(source, node),
                f"this is nested more than {limits.nesting} deep; the limit `nesting` allows {limits.nesting}",
                hint="give parts of the expression names with `let`",
            )
        stack.extend((child, depth) for child in node.children)


def _tree_span(source: Source, node: Tree[Any]) -> Span:
    meta = node.meta
    if getattr(meta, "empty", True):
        return point(source, 1, 1)
    return point(source, meta.line, meta.column)


def _token_span(source: Source, token: Token) -> Span:
    return point(source, token.line or 1, token.column or 1)


def _error(source: Source, span: Span, message: str, hint: str | None = None) -> LimitError:
    hint = hint or "policylang.Limits sets the limits (POLICYLANG_LIMITS for the command)"
    diagnostic = Diagnostic("pol-limit", message, span, hint=hint)
    return LimitError(f"{span}: {message}", [diagnostic])
