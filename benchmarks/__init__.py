"""The benchmark suite of the book's micrograd: `make bench` (python -m benchmarks.run).  See benchmarks/README.md."""
