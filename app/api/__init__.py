"""HTTP: JSON routes, HTML pages, and the mapping of errors to responses."""
