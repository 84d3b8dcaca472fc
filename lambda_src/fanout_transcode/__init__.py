"""Transcodes queued uploads to one rendition (sns-fanout module)."""
