"""Tests of userprofiles.producer, one file per module; synthetic/ mirrors its generator."""
