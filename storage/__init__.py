"""Encrypted local store: SQLCipher database, wrapped data key, schema and repositories."""
