"""Tests of userprofiles.producer.synthetic, one file per module; the per-nationality rules are also proven on the real
API records of ../shared/randomuser/records.jsonl."""
