"""Benchmarks: each figure printed beside its baseline from the same run."""
