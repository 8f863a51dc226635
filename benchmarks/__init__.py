"""Benchmarks of maintainer-kg: extraction against raw spaCy NER, the store against raw Oxigraph, the API
under load, exports, and extraction on a Dask cluster. `python -m benchmarks [--quick]` runs them all."""
