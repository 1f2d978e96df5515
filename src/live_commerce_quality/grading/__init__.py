"""The grading stage: from indicator counts to scores, grades, ranks (`grading/grade.py`)."""
