"""imports pages of the organizer side."""
