"""The grading stage: from indicator counts to scores and grades (`grading/grade.py`, one
subject), over whole tables a chunk of subjects at a time, with ranks (`grading/tables.py`)."""
