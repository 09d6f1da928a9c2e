"""What an evaluation did: the tracer protocol and its events, and the trace tree built from them.

The engine reports events to a :class:`Tracer` passed in explicitly; a :class:`Recorder`
keeps them, and :mod:`policylang.trace.build` turns them into :class:`TraceNode` trees
when the trace is first read.
"""

from policylang.trace.events import Recorder, Tracer
from policylang.trace.nodes import NODE_KINDS, TRACE_FORMAT, TraceNode, rule_ids, walk

__all__ = ["NODE_KINDS", "TRACE_FORMAT", "Recorder", "TraceNode", "Tracer", "rule_ids", "walk"]
