"""Back office (/admin): server-rendered pages for staff. Calls services, never repositories."""
