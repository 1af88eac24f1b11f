"""Side-by-side benchmarks of cloudaudit against the tools a user would otherwise pick."""
