"""Customer accounts seen by their owner and by staff: profile, addresses, data export, deletion."""
