"""Fixtures for tests that run the spaCy pipeline: the model is loaded once per session."""

from __future__ import annotations

import pytest
from spacy.language import Language

from graph.extraction.pipeline import build_nlp


@pytest.fixture(scope="session")
def nlp() -> Language:
    return build_nlp()
