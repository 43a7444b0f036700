"""AskShot's benchmarks (`make bench`): the figures behind docs/architecture.md's budget."""
