"""Carrying out an order: gathering what it needs (facts from Zammad and GitLab, other bookings),
opening requests, committing transitions and replies, and step 3's GitLab jobs.
"""
