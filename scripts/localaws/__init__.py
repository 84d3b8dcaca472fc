"""Embedded local AWS for the demo and the tests: moto's server with a docker-free Lambda runtime
and the fixes the workflows need (see server.py and the README's list of divergences)."""
