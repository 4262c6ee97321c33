"""One module per `portal` subcommand."""
