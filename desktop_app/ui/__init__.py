"""AskShot's window, by feature: the only package that imports Qt."""
