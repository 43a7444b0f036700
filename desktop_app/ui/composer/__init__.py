"""Where a question is written: text, images and their preparation, cost estimate."""
