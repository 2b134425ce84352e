"""Tests of userprofiles.config, one file per module."""
