"""Stand-ins that speak real wire formats over loopback (DESIGN: fakes only for what cannot
be reached from here)."""
