"""media-convert workflow, MergeVideoFile: concatenates the encoded parts and adds the audio."""
