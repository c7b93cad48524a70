"""Image storage: a port (`base.ImageStorage`) with local-file and S3-compatible adapters."""
