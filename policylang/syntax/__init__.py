"""Policy text to syntax tree: the grammar, the parser and the only code that knows the grammar's rule names."""
