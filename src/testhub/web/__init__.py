"""`testhub serve`: the hub's dashboard (server-rendered pages, charts as inline SVG, no scripts),
its Prometheus metrics and probes. `create_hub_app` in `app` is the factory."""
