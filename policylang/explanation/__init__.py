"""Explanations for people: what one audience sees in one language, and its renderers."""
