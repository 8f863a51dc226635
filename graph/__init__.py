"""maintainer-kg domain: documents to facts to store to views."""

__version__ = "0.1.0"
