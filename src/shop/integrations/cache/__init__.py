"""Caches: a per-process near cache and the channel that tells other processes to drop theirs."""
