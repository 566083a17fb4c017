"""Organizers: championship, skills, schemes, organizations, competitors, experts, imports."""
