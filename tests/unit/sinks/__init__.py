"""Tests of userprofiles.sinks, one file per module."""
