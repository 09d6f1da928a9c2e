"""Per-row values that depend on a bit pattern, computed once per distinct pattern.

Building a list per row with Polars list expressions is slow (a million small lists);
but which rows of a ``collect`` fired, which facts a decision waits for, and which rule
IDs decided it are bit patterns with few distinct values in a batch. These helpers pack
flags into ``UInt64`` words and look the value up: from a table of every pattern where
there are few (``gather``), else by computing it in Python for each distinct pattern and
joining it back (``by_pattern``), so that the Python code runs once per pattern, not once
per row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from policylang.batch.vec import U64, WORD, ZERO

SMALL = 12  # flags up to which every pattern is tabulated


def pattern_words(flags: Sequence[pl.Expr]) -> list[pl.Expr]:
    """The flags packed into ``UInt64`` words, flag ``i`` at bit ``i % 64`` of word ``i // 64``."""
    words = []
    for start in range(0, len(flags), WORD):
        word: pl.Expr | None = None
        for i, flag in enumerate(flags[start : start + WORD]):
            bit = pl.when(flag).then(pl.lit(1 << i, dtype=U64)).otherwise(ZERO)
            word = bit if word is None else word | bit
        words.append(word if word is not None else ZERO)
    return words


def gather(flags: Sequence[pl.Expr], value: Callable[[int], Any], dtype: pl.DataType) -> pl.Expr:
    """Per row, ``value(pattern)`` of its flags, from a table of all ``2**len(flags)`` patterns."""
    assert len(flags) <= SMALL
    table = pl.Series([value(p) for p in range(1 << len(flags))], dtype=dtype)
    (word,) = pattern_words(flags) if flags else [ZERO]
    return pl.lit(table).gather(word)


def by_pattern(words: Sequence[pl.Expr], value: Callable[[tuple[Any, ...]], Any], dtype: pl.DataType) -> pl.Expr:
    """Per row, ``value(words)`` computed once for each distinct tuple of word values."""

    def apply(column: pl.Series) -> pl.Series:
        frame = column.struct.unnest()
        keys = frame.columns
        distinct = frame.unique()
        values = pl.Series("@out", [value(row) for row in distinct.iter_rows()], dtype=dtype)
        joined = frame.join(distinct.with_columns(values), on=keys, how="left", maintain_order="left", nulls_equal=True)
        return joined.get_column("@out")

    fields = [w.alias(f"w{i}") for i, w in enumerate(words)]
    return pl.struct(fields).map_batches(apply, return_dtype=dtype)
