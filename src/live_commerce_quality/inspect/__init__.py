"""Reading an evaluation: how one grade follows (`explain`), two methodologies side by side (`compare`)."""
