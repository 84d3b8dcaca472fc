"""Publishes uploaded videos to the fan-out SNS topic (sns-fanout module)."""
