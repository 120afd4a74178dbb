"""Metric types, one module each, registered by one line in `registry.METRIC_TYPES` (see `base.MetricType`)."""
