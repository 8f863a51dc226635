"""`python -m api` runs the `mkg` command line."""

from api.cli import main

main()
