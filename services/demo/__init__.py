"""The Puno demo season (`goldtrace demo`) and the gateway client behind `goldtrace submit`.

Pure parts: `ids` (ids and times from the per-stack seed), `cast` (who takes part), `builder` and `season` (the
events), `signing`, `summary`. I/O parts: `home` (the demo folder and its seed), `keys` (key files and
participants.json), `gateway_client` (HTTP), `play` (submitting the season step by step), `progress` (the
progress line).
"""
