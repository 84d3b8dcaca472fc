output "media_convert" {
  description = "Buckets, prefixes and the state machine of the media-convert workflow."
  value = {
    state_machine_arn = module.media_convert.state_machine_arn
    source_bucket     = module.media_convert.source_bucket
    source_prefix     = module.media_convert.source_prefix
    output_bucket     = module.media_convert.output_bucket
    output_prefix     = module.media_convert.output_prefix
  }
}
