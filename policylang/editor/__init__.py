"""Editor support: what a language server answers, on the policy files an author has open.

:mod:`~policylang.editor.workspace` keeps the open documents and checks them with their
imports as they change; :mod:`~policylang.editor.symbols` indexes where each name is
declared and used; :mod:`~policylang.editor.hover`, :mod:`~policylang.editor.complete` and
:mod:`~policylang.editor.navigate` answer the editor's questions. Only
:mod:`~policylang.editor.server` speaks the Language Server Protocol (the optional ``lsp``
extra); everything else is plain Python, tested without it.
"""
