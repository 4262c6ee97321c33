"""Git-based review: an ordered, signed approval chain enforced on the server."""
