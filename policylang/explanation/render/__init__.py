"""Render an explanation as text, Markdown or HTML."""
