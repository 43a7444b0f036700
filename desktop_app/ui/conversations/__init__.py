"""The list of past conversations, with search."""
