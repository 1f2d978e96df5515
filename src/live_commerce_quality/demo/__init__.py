"""Demo landing data (being split by source family: see the next commit)."""

from live_commerce_quality.demo.orders import generate

__all__ = ["generate"]
