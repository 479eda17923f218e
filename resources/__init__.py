"""Data files shipped with Waymark (pathways, contacts, icons) and the demo organisation generator."""
