"""`python -m trucewatch.cli` runs the command line."""

from trucewatch.cli.main import main

main()
