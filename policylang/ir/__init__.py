"""The checked program and the language's values: types, values, dates, built-in functions."""
