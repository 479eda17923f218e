"""A fictional organisation for demonstrations, tests and benchmarks."""
