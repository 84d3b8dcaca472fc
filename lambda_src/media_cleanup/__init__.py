"""media-convert workflow: deletes a failed job's work files (the Catch branch)."""
