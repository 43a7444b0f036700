"""AskShot's engine: plain Python, no Qt (a test enforces it)."""
