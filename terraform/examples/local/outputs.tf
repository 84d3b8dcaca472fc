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

output "sns_fanout" {
  description = "Input bucket and per-rendition outputs of the sns-fanout workflow."
  value = {
    input_bucket = module.sns_fanout.input_bucket
    renditions = {
      for name, r in module.sns_fanout.renditions : name => {
        output_bucket   = r.output_bucket
        output_prefix   = r.output_prefix
        dead_letter_url = r.dead_letter_url
        function_name   = r.function_name
      }
    }
  }
}
