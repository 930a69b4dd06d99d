"""The store: deployments, their audit, timers, markers, the outbox queue, reports and locks in one
database (SQLite or PostgreSQL), with its schema, the effects' codec and migrations.
"""
