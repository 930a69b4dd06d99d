"""prerequisites"""
