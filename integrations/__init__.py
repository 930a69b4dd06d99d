"""Adapters to the outside world (Zammad, GitLab, mail, calendar, Excel log)."""
