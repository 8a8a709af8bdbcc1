__all__ = ["build", "export", "names", "persist", "provenance", "query", "service"]
