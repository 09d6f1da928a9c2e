"""Check a syntax tree and build the typed program: names, types, rules, the evaluation plan."""
