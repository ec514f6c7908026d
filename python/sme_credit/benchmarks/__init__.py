"""Benchmark commands (`sme-credit bench ...`): measurements to quote, not tests."""
