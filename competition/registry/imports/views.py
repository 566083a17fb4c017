"""Routes of the imports pages (registered on competition.registry.bp)."""
