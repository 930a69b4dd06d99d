"""What comes in: the Zammad poll and what it routes, the GitLab poll and its hooks."""
