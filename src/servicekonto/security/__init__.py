"""Cryptographic building blocks: password hashing, digests, keys, CSRF, rate limits."""
