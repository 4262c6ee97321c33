"""Benchmarks and the generator of realistic portals (run on demand, never in the test suite's timing)."""
