"""media-convert workflow: starts one execution per uploaded object (S3 trigger)."""
