"""The Settings dialog, its pages, and the first-run panel that leads to it."""
