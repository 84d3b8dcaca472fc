"""media-convert workflow, PrepareMediaConvertJob: the MediaConvert job of one part."""
