"""Benchmarks of the bot (issue 8): run them all with `python -m bench` (or `make bench`)."""
