variable "name" {
  description = "Name prefix for every resource of the workflow."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits and '-' (it prefixes bucket names)."
  }
}

variable "artifacts_dir" {
  description = "Directory produced by `make package` (holds manifest.json, lambda/ and layers/)."
  type        = string

  validation {
    condition     = alltrue([for path in local.artifacts : fileexists("${var.artifacts_dir}/${path}")])
    error_message = "artifacts_dir (${var.artifacts_dir}) lacks ${join(", ", [for path in local.artifacts : path if !fileexists("${var.artifacts_dir}/${path}")])}: run `make package` and point artifacts_dir at its build/ directory${var.ffmpeg_layer_arn == null ? " (or pass ffmpeg_layer_arn, the account's shared layer)" : ""}."
  }
}

variable "create_source_bucket" {
  description = "Create the bucket uploads arrive in; false to use an existing bucket named by source_bucket_name."
  type        = bool
  default     = true
}

variable "source_bucket_name" {
  description = "Name of the source bucket: the existing one with create_source_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-source)."
  type        = string
  default     = null

  validation {
    condition     = var.create_source_bucket || var.source_bucket_name != null
    error_message = "create_source_bucket = false uses an existing bucket: set source_bucket_name to its name."
  }
}

variable "create_output_bucket" {
  description = "Create the bucket for final videos and thumbnails; false to use an existing bucket named by output_bucket_name."
  type        = bool
  default     = true
}

variable "output_bucket_name" {
  description = "Name of the output bucket: the existing one with create_output_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-output)."
  type        = string
  default     = null

  validation {
    condition     = var.create_output_bucket || var.output_bucket_name != null
    error_message = "create_output_bucket = false uses an existing bucket: set output_bucket_name to its name."
  }
}

variable "source_prefix" {
  description = "Only uploads under this key prefix start the workflow."
  type        = string
  default     = "incoming/"
}

variable "source_suffixes" {
  description = "Only uploads whose key ends with one of these start the workflow (case-sensitive, as S3 filters are)."
  type        = list(string)
  default     = [".mp4", ".mov", ".m4v", ".mkv"]

  validation {
    condition     = length(var.source_suffixes) > 0 && alltrue([for s in var.source_suffixes : length(s) > 0])
    error_message = "source_suffixes must list at least one non-empty suffix."
  }
}

variable "trigger" {
  description = "How uploads start the workflow: \"eventbridge\" (an EventBridge rule on the source bucket's events: other rules and workflows can share the bucket; for an existing bucket its owner turns on EventBridge notifications), \"s3_notification\" (the bucket's notification configuration, which it then owns whole) or \"none\" (wire start_target yourself)."
  type        = string
  default     = "eventbridge"

  validation {
    condition     = contains(["eventbridge", "s3_notification", "none"], var.trigger)
    error_message = "trigger must be \"eventbridge\", \"s3_notification\" or \"none\"."
  }
}

variable "trigger_retry_policy" {
  description = "trigger \"eventbridge\": how often and how long EventBridge retries an event it could not hand to the start function before dead-lettering it (defaults: EventBridge's, 185 attempts over 24 hours)."
  type = object({
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 86400)
  })
  default = {}
}

variable "output_prefix" {
  description = "Key prefix of final videos and thumbnails in the output bucket."
  type        = string
  default     = "converted/"
}

variable "segment_duration" {
  description = "Length of a part in seconds (SegmentDuration): a part starts at each multiple of it, at the first keyframe within that segment if there is one, else at the first frame (decoded from the keyframe before it), so sparse keyframes still give a part per segment."
  type        = number
  default     = 300

  validation {
    condition     = var.segment_duration >= 2 && var.segment_duration <= 3600 && floor(var.segment_duration) == var.segment_duration
    error_message = "segment_duration must be a whole number of seconds between 2 and 3600."
  }
}

variable "transcoder" {
  description = "Encoding backend: \"ffmpeg\" encodes each part inside Lambda with the ffmpeg layer; \"mediaconvert\" runs an AWS Elemental MediaConvert job per part (settings from mediaconvert_job.json)."
  type        = string
  default     = "ffmpeg"

  validation {
    condition     = contains(["ffmpeg", "mediaconvert"], var.transcoder)
    error_message = "transcoder must be \"ffmpeg\" or \"mediaconvert\"."
  }
}

variable "mediaconvert_qvbr_quality_level" {
  description = "MediaConvert backend: QVBR quality level of the H.264 encodes (1-10, higher is better)."
  type        = number
  default     = 7

  validation {
    condition     = var.mediaconvert_qvbr_quality_level >= 1 && var.mediaconvert_qvbr_quality_level <= 10 && floor(var.mediaconvert_qvbr_quality_level) == var.mediaconvert_qvbr_quality_level
    error_message = "mediaconvert_qvbr_quality_level must be a whole number between 1 and 10."
  }
}

variable "mediaconvert_max_bitrate" {
  description = "MediaConvert backend: peak video bitrate of the QVBR encodes, in bits per second."
  type        = number
  default     = 5000000

  validation {
    condition     = var.mediaconvert_max_bitrate >= 1000 && var.mediaconvert_max_bitrate <= 1152000000 && floor(var.mediaconvert_max_bitrate) == var.mediaconvert_max_bitrate
    error_message = "mediaconvert_max_bitrate must be a whole number of bits per second between 1000 and 1152000000."
  }
}

variable "mediaconvert_quality_tuning_level" {
  description = "MediaConvert backend: H.264 QualityTuningLevel (speed against quality)."
  type        = string
  default     = "SINGLE_PASS_HQ"

  validation {
    condition     = contains(["SINGLE_PASS", "SINGLE_PASS_HQ", "MULTI_PASS_HQ"], var.mediaconvert_quality_tuning_level)
    error_message = "mediaconvert_quality_tuning_level must be SINGLE_PASS, SINGLE_PASS_HQ or MULTI_PASS_HQ."
  }
}

variable "output_height" {
  description = "Height of the encoded video in pixels (width follows the aspect ratio; never upscaled)."
  type        = number
  default     = 720

  validation {
    condition     = var.output_height >= 144 && var.output_height <= 2160 && var.output_height % 2 == 0
    error_message = "output_height must be an even number between 144 and 2160."
  }
}

variable "video_crf" {
  description = "ffmpeg backend: x264 constant rate factor (quality; lower is better) used when video_bitrate is null."
  type        = number
  default     = 23

  validation {
    condition     = var.video_crf >= 0 && var.video_crf <= 51
    error_message = "video_crf must be between 0 and 51."
  }
}

variable "video_bitrate" {
  description = "ffmpeg backend: target video bitrate such as \"3M\"; overrides video_crf when set."
  type        = string
  default     = null

  validation {
    condition     = var.video_bitrate == null || can(regex("^[0-9]+[kKM]?$", coalesce(var.video_bitrate, "0")))
    error_message = "video_bitrate must look like 800k or 3M."
  }
}

variable "x264_preset" {
  description = "ffmpeg backend: x264 speed/size preset."
  type        = string
  default     = "veryfast"

  validation {
    condition     = contains(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"], var.x264_preset)
    error_message = "x264_preset must be one of ultrafast, superfast, veryfast, faster, fast, medium, slow."
  }
}

variable "thumbnail_width" {
  description = "Width of the JPEG thumbnail taken from the first part."
  type        = number
  default     = 320

  validation {
    condition     = var.thumbnail_width >= 16 && var.thumbnail_width <= 1920
    error_message = "thumbnail_width must be between 16 and 1920."
  }
}

variable "map_mode" {
  description = "How the Map runs the parts: \"inline\" (iterations inside the execution, at most 40 at once) or \"distributed\" (a child execution per part, up to 10,000 at once). Choose distributed when a source gives more parts than 40 at once can encode in time (a 1-hour source at segment_duration 10 is 360 parts)."
  type        = string
  default     = "inline"

  validation {
    condition     = contains(["inline", "distributed"], var.map_mode)
    error_message = "map_mode must be \"inline\" or \"distributed\"."
  }
}

variable "map_max_concurrency" {
  description = "How many parts are encoded at once (0 lets Step Functions decide): up to 40 inline, 10,000 distributed. The default runs the seed's test cases in at most two rounds (README, \"Scale\")."
  type        = number
  default     = 40

  validation {
    condition     = var.map_max_concurrency >= 0 && var.map_max_concurrency <= 10000 && floor(var.map_max_concurrency) == var.map_max_concurrency
    error_message = "map_max_concurrency must be a whole number between 0 and 10000 (and at most 40 with map_mode \"inline\")."
  }
}

variable "function_settings" {
  description = "Memory (MB; 1,769 MB is one vCPU), timeout (s) and /tmp size (MB) per function: split, encode (ffmpeg backend), merge. The split needs 3x max_input_bytes of /tmp, the merge and the encode (a source with one keyframe is one part) 2x; checked at plan (README, \"Scale\")."
  type = object({
    split  = optional(object({ memory_size = optional(number, 2048), timeout = optional(number, 900), ephemeral_storage = optional(number, 10240) }), {})
    encode = optional(object({ memory_size = optional(number, 3008), timeout = optional(number, 900), ephemeral_storage = optional(number, 10240) }), {})
    merge  = optional(object({ memory_size = optional(number, 2048), timeout = optional(number, 900), ephemeral_storage = optional(number, 10240) }), {})
  })
  default = {}
}

variable "max_input_bytes" {
  description = "Uploads larger than this fail fast with InputTooLargeError; null: what the split's /tmp holds (a third of function_settings.split.ephemeral_storage, 3,579,139,413 bytes by default). A larger value fails at plan."
  type        = number
  default     = null

  validation {
    condition     = var.max_input_bytes == null || try(var.max_input_bytes >= 1 && floor(var.max_input_bytes) == var.max_input_bytes, false)
    error_message = "max_input_bytes must be a whole number of bytes, or null."
  }
  # The scale model (README, "Scale"): uploads that pass the size check must fit every step's /tmp.
  validation {
    condition     = var.max_input_bytes == null || try(3 * var.max_input_bytes <= var.function_settings.split.ephemeral_storage * 1048576, true)
    error_message = "max_input_bytes is more than a third of function_settings.split.ephemeral_storage: the split needs 3x the upload in /tmp, so uploads between the two would pass the size check and always fail. Lower max_input_bytes or raise the split's ephemeral_storage."
  }
  validation {
    condition     = try(2 * coalesce(var.max_input_bytes, floor(var.function_settings.split.ephemeral_storage * 1048576 / 3)) <= var.function_settings.merge.ephemeral_storage * 1048576, true)
    error_message = "function_settings.merge.ephemeral_storage holds less than 2x max_input_bytes (by default a third of the split's ephemeral_storage): the merge keeps the encoded parts and the merged output."
  }
  validation {
    condition     = var.transcoder == "mediaconvert" || try(2 * coalesce(var.max_input_bytes, floor(var.function_settings.split.ephemeral_storage * 1048576 / 3)) <= var.function_settings.encode.ephemeral_storage * 1048576, true)
    error_message = "function_settings.encode.ephemeral_storage holds less than 2x max_input_bytes (by default a third of the split's ephemeral_storage): a source with one keyframe is one part, kept with its encoded copy."
  }
}

variable "cleanup_intermediate" {
  description = "Delete the parts and encoded parts once the job succeeds or fails."
  type        = bool
  default     = true
}

variable "work_expiration_days" {
  description = "Intermediate objects left behind (e.g. cleanup disabled) expire after this many days."
  type        = number
  default     = 3
}

variable "ffmpeg_layer_arn" {
  description = "The account's ffmpeg layer version (one ffmpeg-layer module shared by every media workflow); null publishes one more, <name>-ffmpeg, from artifacts_dir."
  type        = string
  default     = null
}

variable "package_upload" {
  description = "Upload the function zips to this bucket, in the functions' Region as CreateFunction requires (key lambda/<function>/<sha256>.zip) and create the functions from it: the AWS provider then creates them in parallel instead of one at a time (5 s or more each). null uploads each zip with its function."
  type = object({
    bucket = string
  })
  default = null
}

variable "log_retention_days" {
  description = "Retention of the functions' and the state machine's log groups."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "KMS key for buckets, logs and environment variables; null uses AWS-managed encryption."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "Enable X-Ray tracing on the functions and the state machine."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Allow destroying created buckets that still hold objects (for tests and demos)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "alarms_enabled" {
  description = "Create the CloudWatch alarms (executions, dead letters, function errors and throttles)."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "SNS topic ARNs the alarms notify on ALARM and OK (their policies and keys must let cloudwatch.amazonaws.com publish)."
  type        = list(string)
  default     = []
}

variable "create_alarm_topic" {
  description = "Create an encrypted SNS topic <name>-alarms that the alarms notify (with kms_key_arn, whose policy must then let cloudwatch.amazonaws.com use it; else with a key of its own)."
  type        = bool
  default     = false
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard <name>."
  type        = bool
  default     = true
}
