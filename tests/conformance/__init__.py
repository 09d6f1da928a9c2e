"""The conformance table: one definition of what decisions mean, run against every backend."""
