"""The `sogabot` command line: `main` parses, one module per group of subcommands."""
