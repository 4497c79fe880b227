"""Test suite of the FAQ bot (a package so helpers import as ``tests.*``)."""
