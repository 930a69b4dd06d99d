"""What deploybot serves over HTTP: the server, webhooks, the booking pages and desk, the team's
views and report files, the pipeline gate.
"""
