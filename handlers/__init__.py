"""One module per capability. Handlers take a Command and a Context and return a Reply."""
