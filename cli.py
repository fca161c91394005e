"""Run the dupfeed command line from a checkout: ``python cli.py scan ...``."""

from dupfeed.cli import main

if __name__ == "__main__":
    main()
