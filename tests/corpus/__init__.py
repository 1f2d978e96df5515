"""The bad-input corpus: tiny landings, each with one fault of extracts.md ("Bad input") and
its expected outcome. `cases.CASES` is the list; tests/unit/test_bad_input_corpus.py runs it."""
