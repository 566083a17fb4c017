"""Routes of the people pages (registered on competition.registry.bp)."""
