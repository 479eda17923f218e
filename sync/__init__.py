"""Sync protocol, client engine and server (built by the sync issue)."""
