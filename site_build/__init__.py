"""Building the public portal with MkDocs + Material (the plugin is a thin adapter over site_build.pages)."""
