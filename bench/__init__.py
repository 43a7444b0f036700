"""AskShot's benchmarks: the figures behind DESIGN.md's performance budget (`make bench`)."""
