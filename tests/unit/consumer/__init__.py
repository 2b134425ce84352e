"""Tests of userprofiles.consumer, one file per module."""
