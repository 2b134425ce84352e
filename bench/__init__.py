"""The benchmark (python -m bench.run, make bench): a package, so that it runs as a module from the checkout
and imports the tests' helpers (tests/support) without touching sys.path."""
