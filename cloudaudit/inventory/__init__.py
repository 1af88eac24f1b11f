"""Inventory stage: what an organisation owns, read from files, arguments or zone files."""
