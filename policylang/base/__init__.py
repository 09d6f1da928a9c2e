"""What every phase shares: source spans, diagnostics and errors, "did you mean", labels."""
