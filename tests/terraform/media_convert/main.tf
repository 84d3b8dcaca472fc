# media-convert on the local AWS, with short segments so small test clips give several parts.

variable "endpoint" {
  description = "URL of the local AWS."
  type        = string
}

variable "artifacts_dir" {
  description = "build/ directory of `make package`."
  type        = string
}

variable "name" {
  description = "Name prefix, unique per test run."
  type        = string
}

variable "segment_duration" {
  description = "SegmentDuration of the workflow under test."
  type        = number
  default     = 2
}

module "media_convert" {
  source              = "../../../terraform/modules/media-convert"
  name                = var.name
  artifacts_dir       = var.artifacts_dir
  segment_duration    = var.segment_duration
  output_height       = 360
  x264_preset         = "ultrafast"
  thumbnail_width     = 160
  map_max_concurrency = 4
  max_input_bytes     = 20000000
  force_destroy       = true
  log_retention_days  = 7
  function_settings = {
    split  = { timeout = 120 }
    encode = { timeout = 120 }
    merge  = { timeout = 120 }
  }
  create_alarm_topic = true # the e2e test subscribes to it
  tags               = { Project = "media-convert-e2e" }
}

# The same workflow on the MediaConvert backend (the local AWS runs its jobs with ffmpeg).
module "media_convert_mediaconvert" {
  source                            = "../../../terraform/modules/media-convert"
  name                              = "${var.name}-mc"
  transcoder                        = "mediaconvert"
  artifacts_dir                     = var.artifacts_dir
  segment_duration                  = var.segment_duration
  output_height                     = 360
  mediaconvert_quality_tuning_level = "SINGLE_PASS"
  thumbnail_width                   = 160
  map_max_concurrency               = 4
  max_input_bytes                   = 20000000
  force_destroy                     = true
  log_retention_days                = 7
  function_settings = {
    split = { timeout = 120 }
    merge = { timeout = 120 }
  }
  tags = { Project = "media-convert-e2e" }
}

# The same workflow with a Distributed Map: each part a child execution, two at a time so that
# the parts queue as on AWS past 40 inline; the first instance's ffmpeg layer is reused.
module "media_convert_distributed" {
  source              = "../../../terraform/modules/media-convert"
  name                = "${var.name}-dm"
  artifacts_dir       = var.artifacts_dir
  map_mode            = "distributed"
  map_max_concurrency = 2
  ffmpeg_layer_arn    = module.media_convert.ffmpeg_layer_arn
  segment_duration    = var.segment_duration
  output_height       = 360
  x264_preset         = "ultrafast"
  thumbnail_width     = 160
  max_input_bytes     = 20000000
  force_destroy       = true
  log_retention_days  = 7
  function_settings = {
    split  = { timeout = 120 }
    encode = { timeout = 120 }
    merge  = { timeout = 120 }
  }
  tags = { Project = "media-convert-e2e" }
}

output "media_convert_distributed" {
  value = module.media_convert_distributed
}

output "media_convert" {
  value = module.media_convert
}

output "media_convert_mediaconvert" {
  value = module.media_convert_mediaconvert
}
