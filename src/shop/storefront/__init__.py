"""Storefront: server-rendered pages for shoppers. Calls services, never repositories."""
