"""The image editor: crop, redact, highlight, arrow and label an attachment before it is sent."""
