"""Simulators and demo code: the eID server with its AusweisApp simulator, the civil-register
mock server and its generated residents, the demo portal and the demo seed.

These stand in for systems a real deployment connects to (DESIGN §3). Only the composition root
(`app`, `cli`) wires them in, and only in dev mode or when no real endpoint is configured; product
packages never import this package (import-linter contract in pyproject.toml).
"""
