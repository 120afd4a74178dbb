"""Monitors (预警): metrics watched on the warehouse, alerting owners through webhooks and e-mail.

`spec` reads and lints `monitors/*.yaml`; `rules` judges a series of values; `evaluate` compiles and runs one
query per monitor; `store` keeps every evaluation, alert and delivery; `channels` sends; `run` ties them
together for `caliber monitor run`. `docs/monitors.md` describes the file format and the guarantees.
"""
