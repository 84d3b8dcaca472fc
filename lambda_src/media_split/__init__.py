"""media-convert workflow, SplitVideoFile: keyframe-aligned video parts and the audio track."""
