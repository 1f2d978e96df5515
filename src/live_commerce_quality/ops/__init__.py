"""Operating an installation after the fact: lineage of a value back to its files (`lineage`),
late data (`changes`), retention and purge (`retention`)."""
