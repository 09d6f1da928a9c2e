"""What every subcommand shares: exit codes, the argument parser, and reading facts and parameters.

Exit codes: 0 success; 1 the input could not be loaded, parsed or checked (missing file,
bad policy text, bad facts); 2 tests or checks ran and failed.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from policylang.base.errors import FactError, ParameterError, PolicyError
from policylang.base.inputs import InputError, parse_json, read_input
from policylang.base.limits import Limits

EXIT_OK, EXIT_INPUT, EXIT_FAILED = 0, 1, 2
EXHAUSTIVE_HELP = "settle undetermined decisions that every value of the (few) missing facts decides alike"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit 1 (argparse's own 2 would mean "tests failed")."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        print(f"error[pol-usage]: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


def subcommand(sub: Any, name: str, summary: str, example: str, **options: Any) -> argparse.ArgumentParser:
    """A subcommand's parser, with its example shown in ``--help``."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=summary, formatter_class=argparse.RawDescriptionHelpFormatter, epilog=example, **options
    )
    return parser


def add_parameter_options(parser: argparse.ArgumentParser, param_help: str = "set a parameter (as for eval)") -> None:
    """``--param NAME=VALUE`` (repeatable) and ``--params FILE``."""
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help=param_help)
    parser.add_argument("--params", metavar="FILE", help="a JSON file of parameter values")


def limits() -> Limits:
    """The limits the command works within: the defaults, changed by ``POLICYLANG_LIMITS`` and
    ``POLICYLANG_IMPORT_PATH`` (:meth:`~policylang.base.limits.Limits.from_environment`)."""
    return Limits.from_environment()


def read_json(path: str, what: str) -> Any:
    """The JSON in ``path`` (``-`` for standard input), read the safe way (:mod:`policylang.base.inputs`).

    Numbers with a fraction are exact ``Decimal``; ``NaN``, a duplicate key, a file too
    large or nested too deep are errors that name the file.
    """
    current = limits()
    return parse_json(read_input(path, what, current), path, what, current)


def assignments(items: Sequence[str], flag: str) -> dict[str, Any]:
    """``NAME=VALUE`` arguments as a mapping; VALUE is JSON, or text where it is not JSON (a condition)."""
    values: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep:
            raise PolicyError(f"{flag} {item}: write NAME=VALUE")
        try:
            values[name] = parse_json(raw, flag, "parameter", limits())
        except InputError:
            values[name] = raw
    return values


def parameters(args: argparse.Namespace) -> dict[str, Any]:
    """The parameters ``--params FILE`` and then ``--param NAME=VALUE`` set."""
    params: dict[str, Any] = {}
    if args.params:
        data = read_json(args.params, "parameters")
        if not isinstance(data, dict):
            raise PolicyError(f"{args.params}: the parameters file must hold a JSON object")
        params.update(data)
    params.update(assignments(args.param, "--param"))
    return params


def evaluated(args: argparse.Namespace, *, trace: bool = True) -> tuple[Any, Any]:
    """Load ``args.policy``, read ``args.facts`` and evaluate: the policy and the result.

    An error in a fact names the facts file (an error in a parameter does not).
    """
    from policylang.policy.loader import load

    policy = load(args.policy, limits=limits())
    facts = read_json(args.facts, "facts")
    with blamed_on(args.facts):
        result = policy.evaluate(
            facts,
            trace=trace,
            parameters=parameters(args) or None,
            ignore_unknown_facts=args.ignore_unknown_facts,
            exhaustive=args.exhaustive,
        )
    return policy, result


@contextlib.contextmanager
def blamed_on(facts_file: str | None) -> Iterator[None]:
    """An error in a fact raised inside names ``facts_file``; an error in a parameter does not."""
    try:
        yield
    except ParameterError:
        raise
    except FactError as e:
        e.source = facts_file
        raise


class Output:
    """A standard stream that the command's output cannot crash.

    * a reader that stops reading (``policylang check ... | head``) is no error: what is
      left is thrown away, and the command still ends with its own exit code;
    * a character the terminal's encoding lacks (``…`` on a Latin-1 terminal, a lone
      surrogate from a file name that is not UTF-8) is written as ``\\u2026``, as JSON writes it;
    * any other failure to write (a full disk) raises :class:`OutputError`, which the
      command reports as ``error[pol-output]``.
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.closed_by_reader = False

    def write(self, text: str) -> int:
        if self.closed_by_reader:
            return len(text)
        try:
            return int(self.stream.write(text))
        except UnicodeEncodeError:
            encoding = getattr(self.stream, "encoding", None) or "utf-8"
            safe = text.encode(encoding, _ESCAPE).decode(encoding, "replace")
            return self.write(safe)
        except BrokenPipeError:
            self._reader_gone()
            return len(text)
        except OSError as e:
            raise OutputError(e) from None

    def flush(self) -> None:
        if self.closed_by_reader:
            return
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._reader_gone()
        except OSError as e:
            raise OutputError(e) from None

    def _reader_gone(self) -> None:
        self.closed_by_reader = True
        with contextlib.suppress(OSError, ValueError, AttributeError):  # let the interpreter's last flush succeed
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _escape(error: UnicodeError) -> tuple[str, int]:
    """Write what the stream cannot encode as ``\\u2026``: readable in text, and valid inside a JSON string."""
    assert isinstance(error, UnicodeEncodeError)
    escaped = []
    for c in error.object[error.start : error.end]:
        code = ord(c)
        if code > 0xFFFF:  # as a surrogate pair, as JSON writes it
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


_ESCAPE = "policylang.escape"
codecs.register_error(_ESCAPE, _escape)


class OutputError(PolicyError):
    """The command's output cannot be written (a full disk, a closed file)."""

    code = "pol-output"

    def __init__(self, error: OSError) -> None:
        super().__init__(f"cannot write the output ({error.strerror or error})")


@contextlib.contextmanager
def safe_output() -> Iterator[None]:
    """Standard output and error as :class:`Output` streams while the command runs."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Output(sys.stdout), Output(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def add_color_option(parser: argparse.ArgumentParser) -> None:
    """``--color never|auto|always``: colour on a terminal, unless ``NO_COLOR`` is set."""
    parser.add_argument(
        "--color",
        choices=("never", "auto", "always"),
        default="auto",
        help="colour the text output: auto (on a terminal, unless NO_COLOR is set), always or never",
    )


def use_color(args: argparse.Namespace) -> bool:
    """Whether to colour the output, from ``--color`` and the ``NO_COLOR`` convention (no-color.org)."""
    choice = getattr(args, "color", "never")
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty()


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output, non-ASCII letters as they are."""
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
