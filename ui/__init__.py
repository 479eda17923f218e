"""Waymark's desktop client and command line: the top of the dependency graph."""
