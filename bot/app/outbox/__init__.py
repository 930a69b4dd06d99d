"""The outbox: carrying effects out in order per deployment, with retries, claims and alerts,
through one executor per channel.
"""
