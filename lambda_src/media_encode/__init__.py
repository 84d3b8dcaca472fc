"""media-convert workflow, ParallelMediaConvert: H.264 encode of one part (+ thumbnail)."""
