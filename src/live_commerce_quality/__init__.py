"""Live-commerce service-quality rating under GB/T 44207-2024."""
