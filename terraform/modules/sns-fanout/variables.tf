variable "name" {
  description = "Name prefix for every resource (the spec's `videoconverter`)."
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
  description = "Name of the source bucket: the existing one with create_source_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-input)."
  type        = string
  default     = null

  validation {
    condition     = var.create_source_bucket || var.source_bucket_name != null
    error_message = "create_source_bucket = false uses an existing bucket: set source_bucket_name to its name."
  }
}

variable "input_prefix" {
  description = "Only uploads under this key prefix are transcoded (\"\" for the whole bucket)."
  type        = string
  default     = ""
}

variable "input_suffixes" {
  description = "Only uploads whose key ends with one of these are transcoded (case-sensitive, as S3 filters are)."
  type        = list(string)
  default     = [".mp4"]

  validation {
    condition     = length(var.input_suffixes) > 0 && alltrue([for s in var.input_suffixes : length(s) > 0])
    error_message = "input_suffixes must list at least one non-empty suffix."
  }
}

variable "trigger" {
  description = "How uploads start the workflow: \"eventbridge\" (an EventBridge rule on the input bucket's events: other rules and workflows can share the bucket; for an existing bucket its owner turns on EventBridge notifications), \"s3_notification\" (the bucket's notification configuration, which it then owns whole) or \"none\" (wire start_target yourself)."
  type        = string
  default     = "eventbridge"

  validation {
    condition     = contains(["eventbridge", "s3_notification", "none"], var.trigger)
    error_message = "trigger must be \"eventbridge\", \"s3_notification\" or \"none\"."
  }
}

variable "trigger_retry_policy" {
  description = "trigger \"eventbridge\": how often and how long EventBridge retries an event it could not hand to the publisher function before dead-lettering it (defaults: EventBridge's, 185 attempts over 24 hours)."
  type = object({
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 86400)
  })
  default = {}
}

variable "renditions" {
  description = <<-EOT
    Renditions to produce, by name (the spec's 720p and 1080p). Each is one SQS queue, one
    transcoder function and one output. height: output height in pixels (width follows the aspect
    ratio, made even); video_crf or video_bitrate (e.g. "5M", wins when set); audio_bitrate.
  EOT
  type = map(object({
    height        = number
    video_crf     = optional(number, 23)
    video_bitrate = optional(string)
    audio_bitrate = optional(string, "128k")
  }))
  default = {
    "720p"  = { height = 720 }
    "1080p" = { height = 1080 }
  }

  validation {
    condition     = length(var.renditions) > 0 && alltrue([for k, r in var.renditions : can(regex("^[a-z0-9-]{1,20}$", k)) && r.height >= 144 && r.height <= 4320 && r.height % 2 == 0])
    error_message = "Each rendition needs a name of 1-20 lowercase letters, digits or '-' and an even height between 144 and 4320."
  }

  validation {
    condition     = alltrue([for r in values(var.renditions) : r.video_crf >= 0 && r.video_crf <= 51])
    error_message = "video_crf must be between 0 and 51."
  }

  validation {
    condition     = alltrue([for r in values(var.renditions) : r.video_bitrate == null || can(regex("^[0-9]+[kKM]?$", coalesce(r.video_bitrate, "0")))])
    error_message = "video_bitrate must look like 800k or 5M."
  }
}

variable "allow_upscale" {
  description = "Scale inputs smaller than a rendition up to its height (default: keep their size)."
  type        = bool
  default     = false
}

variable "x264_preset" {
  description = "x264 speed/size preset of every rendition."
  type        = string
  default     = "veryfast"

  validation {
    condition     = contains(["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"], var.x264_preset)
    error_message = "x264_preset must be one of ultrafast, superfast, veryfast, faster, fast, medium, slow."
  }
}

variable "single_output_bucket" {
  description = "Write every rendition to one bucket (output_bucket_name, default <name>-output) under a <rendition>/ prefix instead of one bucket per rendition (<name>-output-<rendition>)."
  type        = bool
  default     = false
}

variable "create_output_bucket" {
  description = "Create the output buckets; false writes every rendition under a <rendition>/ prefix of the existing bucket named by output_bucket_name."
  type        = bool
  default     = true
}

variable "output_bucket_name" {
  description = "Name of the one output bucket: the existing one with create_output_bucket = false (looked up at plan, so a wrong name fails there), else the one created with single_output_bucket (default <name>-output)."
  type        = string
  default     = null

  validation {
    condition     = var.create_output_bucket || var.output_bucket_name != null
    error_message = "create_output_bucket = false uses an existing bucket: set output_bucket_name to its name."
  }
  validation {
    condition     = var.output_bucket_name == null || var.single_output_bucket || !var.create_output_bucket
    error_message = "output_bucket_name names the one bucket of every rendition: set single_output_bucket = true (or create_output_bucket = false to use an existing bucket)."
  }
}

variable "transcoder_settings" {
  description = "Memory (MB), timeout (s) and /tmp size (MB) of each transcoder function."
  type = object({
    memory_size       = optional(number, 3008)
    timeout           = optional(number, 900)
    ephemeral_storage = optional(number, 10240)
  })
  default = {}
}

variable "parts" {
  description = <<-EOT
    How a rendition whose single pass would not finish within the transcoder's timeout (the scale
    model's prediction, media_common/scale_model.py) is made instead: its rendition's state
    machine splits the upload into parts of segment_duration seconds and encodes them at most
    max_concurrency at once with media-convert's split, encode and merge functions, then the
    transcoder publishes it. Each part is encoded by a function with the transcoder's settings;
    split and merge have their own (the split needs 3x the upload's size in /tmp, the merge 2x
    the rendition's).
  EOT
  type = object({
    segment_duration = optional(number, 60)
    max_concurrency  = optional(number, 40)
    split            = optional(object({ memory_size = optional(number, 2048), timeout = optional(number, 900), ephemeral_storage = optional(number, 10240) }), {})
    merge            = optional(object({ memory_size = optional(number, 2048), timeout = optional(number, 900), ephemeral_storage = optional(number, 10240) }), {})
  })
  default = {}

  validation {
    condition     = var.parts.segment_duration >= 2 && var.parts.segment_duration <= 3600 && floor(var.parts.segment_duration) == var.parts.segment_duration
    error_message = "parts.segment_duration must be a whole number of seconds between 2 and 3600."
  }

  validation {
    condition     = var.parts.max_concurrency >= 1 && var.parts.max_concurrency <= 40 && floor(var.parts.max_concurrency) == var.parts.max_concurrency
    error_message = "parts.max_concurrency must be a whole number between 1 and 40 (an inline Map runs at most 40 iterations at once)."
  }

  validation {
    condition = alltrue([for f in [var.parts.split, var.parts.merge] :
      f.memory_size >= 128 && f.memory_size <= 10240 && f.timeout >= 1 && f.timeout <= 900 && f.ephemeral_storage >= 512 && f.ephemeral_storage <= 10240
    ])
    error_message = "parts.split and parts.merge: memory_size 128-10240 MB, timeout 1-900 s, ephemeral_storage 512-10240 MB (Lambda's limits)."
  }
}

variable "batch_size" {
  description = "Messages per transcoder invocation (each message is one video)."
  type        = number
  default     = 1

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10
    error_message = "batch_size must be between 1 and 10."
  }
}

variable "max_concurrency" {
  description = "Most concurrent transcoder invocations per rendition (SQS event source scaling; 2-1000)."
  type        = number
  default     = 10

  validation {
    condition     = var.max_concurrency >= 2 && var.max_concurrency <= 1000
    error_message = "max_concurrency must be between 2 and 1000."
  }
}

variable "max_receive_count" {
  description = "Deliveries of a message before it moves to its rendition's dead-letter queue."
  type        = number
  default     = 3

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000
    error_message = "max_receive_count must be between 1 and 1000."
  }
}

variable "message_retention_seconds" {
  description = "How long queues and dead-letter queues keep messages (the spec: 14 days)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "delivery_status_sample_rate" {
  description = "Percentage of successful SNS → SQS deliveries logged to CloudWatch (failures are always logged)."
  type        = number
  default     = 100

  validation {
    condition     = var.delivery_status_sample_rate >= 0 && var.delivery_status_sample_rate <= 100
    error_message = "delivery_status_sample_rate must be between 0 and 100."
  }
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
  description = "Retention of the functions' log groups."
  type        = number
  default     = 30
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for buckets, topic, queues and logs; null uses AWS-managed encryption (SSE-S3, aws/sns, SSE-SQS)."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "Enable X-Ray tracing on the functions."
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
  description = "Create the CloudWatch alarms (dead letters, function errors and throttles)."
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
