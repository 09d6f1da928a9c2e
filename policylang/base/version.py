"""The version of policylang, low in the tree so that every phase can name it (caches, manifests)."""

__version__ = "0.1.0"
