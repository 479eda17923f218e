"""Waymark's domain and services: pure Python, no Qt, no SQL text."""
