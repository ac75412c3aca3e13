"""Pure rules: facts in, findings out. One module per area."""
