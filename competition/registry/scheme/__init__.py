"""scheme pages of the organizer side."""
