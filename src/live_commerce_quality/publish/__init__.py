"""The publish stage: the evidence pack and checksums (`evidence`), the tables and report for
people (`tables`, `report`), and publication under `published/` (`publication`)."""
