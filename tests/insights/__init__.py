"""Tests of the insights package: scrubbing, keys, store, recorder, gaps, settings and privacy."""
