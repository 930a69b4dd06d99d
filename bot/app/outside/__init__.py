"""The outside systems as the shell sees them: ports (protocols the adapters fulfil), the cycle's
read-through Zammad cache, the health book and step 3's live checks.
"""
