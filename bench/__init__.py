"""Benchmarks: ``make bench`` runs every ``bench/bench_*.py`` module's ``run()``.

Each benchmark measures our code *and* a baseline doing the same work the plainest way, in the same run, and
prints both with their ratio: a figure alone says little on a shared 2-core machine. Timings never go in tests.
"""
