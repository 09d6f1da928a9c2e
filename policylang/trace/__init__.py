"""What an evaluation did: the tracer protocol, its events, and the tree of trace nodes.

The engine reports events to a :class:`Tracer` passed in explicitly; a :class:`Recorder`
keeps them, and :mod:`policylang.trace.build` turns them into :class:`TraceNode` trees
when the trace is first read.
"""

from policylang.trace.nodes import NODE_KINDS, TRACE_FORMAT, Recorder, TraceNode, Tracer, rule_ids, walk

__all__ = ["NODE_KINDS", "TRACE_FORMAT", "Recorder", "TraceNode", "Tracer", "rule_ids", "walk"]
