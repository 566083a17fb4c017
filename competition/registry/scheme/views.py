"""Routes of the scheme pages (registered on competition.registry.bp)."""
