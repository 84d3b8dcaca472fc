# sns-fanout on the local AWS: two small renditions, short timeouts so redelivery and the
# dead-letter path are quick to observe.

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

module "sns_fanout" {
  source        = "../../../terraform/modules/sns-fanout"
  name          = var.name
  artifacts_dir = var.artifacts_dir
  renditions = {
    "240p" = { height = 240, video_crf = 30, audio_bitrate = "64k" }
    "360p" = { height = 360, video_crf = 30 }
  }
  x264_preset = "ultrafast"
  # 512 MB is 0.29 vCPU on AWS: the e2e test's 8 s 1080p upload is predicted too long for one
  # 5 s pass and goes through parts of 2 s.
  transcoder_settings = { timeout = 5, memory_size = 512, ephemeral_storage = 1024 }
  parts = {
    segment_duration = 2
    max_concurrency  = 4
    split            = { memory_size = 1024, timeout = 60, ephemeral_storage = 1024 }
    merge            = { memory_size = 1024, timeout = 60, ephemeral_storage = 1024 }
  }
  max_concurrency    = 2
  max_receive_count  = 2
  force_destroy      = true
  log_retention_days = 7
  create_alarm_topic = true # the e2e test subscribes to it
  tags               = { Project = "sns-fanout-e2e" }
}

output "sns_fanout" {
  value = module.sns_fanout
}
