"""The custody rules, one small function per rule: each raises one named refusal or returns what it checked."""
