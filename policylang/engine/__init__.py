"""Evaluate a checked program on fact sets: compile, decode facts, run the semantics, settle, the result."""
