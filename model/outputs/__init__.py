"""Outputs: results folders written safely, maps and diagrams."""
