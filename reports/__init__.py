"""Reports for the office: column freshness, quotas, timeliness and scores."""
