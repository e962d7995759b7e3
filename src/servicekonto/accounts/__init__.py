"""Accounts: identity attributes with trust levels, password login, browser sessions."""
