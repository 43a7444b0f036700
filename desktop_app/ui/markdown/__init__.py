"""Answers shown as rich text: the browser and the document that grows while streaming."""
