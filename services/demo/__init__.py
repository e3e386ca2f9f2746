"""The Puno demo season (`goldtrace demo`) and the gateway client behind `goldtrace submit`.

Pure parts: `ids` (ids and times from the per-stack seed), `cast` (who takes part), `builder` and `season` (the
planned events, with who signs each and the outcome the rules should give it), `signing`, `example` (an event for
the user to sign by hand), `summary` (what is printed at the end). I/O parts: `home` (the demo folder and its seed),
`keys` (key files and participants.json), `gateway_client` (HTTP), `play` (submitting the season step by step),
`progress` (the progress line). Errors: `errors` (DemoError, GatewayError).

Rerun safety: the seed file ($GOLDTRACE_HOME/demo/seed.json) and the key files fix every byte of the season, so a
second run resubmits identical events, which the gateway answers as duplicates.
"""
