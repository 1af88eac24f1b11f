"""report/formats stage."""
