"""Metrics, structured logs and tracing. Every metric object lives in metrics.py."""
