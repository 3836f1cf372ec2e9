"""Shared helpers: parameter validation, errors, atomic writes, seeding, run directories, progress."""
