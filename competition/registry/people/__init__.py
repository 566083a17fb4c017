"""people pages of the organizer side."""
