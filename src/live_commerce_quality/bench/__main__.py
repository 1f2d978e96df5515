"""`python -m live_commerce_quality.bench`: see `cli.py`."""

from live_commerce_quality.bench.cli import main

if __name__ == "__main__":
    main()
