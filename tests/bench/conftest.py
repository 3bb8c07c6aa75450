"""Benchmarks run with `make bench`, outside the default suite; they print their figures."""
