"""Project tools run by the Makefile (generation, benchmark, end-to-end helpers)."""
