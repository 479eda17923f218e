"""Named queries, one module per aggregate: the only place app/ rules get their rows from."""
