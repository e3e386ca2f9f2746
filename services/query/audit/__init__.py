"""The auditor's side of the query service: access tokens, findings, organization reports, log consistency."""
