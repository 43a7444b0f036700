"""Pieces every feature uses: icons, QImage helpers, throttling, background workers."""
