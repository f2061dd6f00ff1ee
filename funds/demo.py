"""Demo funds (filled in below)."""
