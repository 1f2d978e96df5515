"""The shared core every stage stands on: settings and the layout on disk, the one writer of
each file kind, periods, subjects, the extract and output contracts, the methodology, locks and
the archive's cryptography. Nothing in core imports a stage."""
