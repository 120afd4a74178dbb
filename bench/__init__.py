"""Benchmarks: Caliber against dbt MetricFlow and Sidemantic, cold start, scale and service figures.

Run `python -m bench` (or `bench/run.sh`); see bench/README.md.
"""
