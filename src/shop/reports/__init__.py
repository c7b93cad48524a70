"""Read-only reporting for the back office dashboard: orders, revenue, conversion, low stock."""
