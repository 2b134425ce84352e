"""Tests of the project's files rather than a module: the Makefile, the compose file, the README, the stack scripts."""
