variable "name" {
  description = "Name prefix for every resource of the workflow."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 lowercase letters, digits and '-' (it prefixes bucket names)."
  }
}

variable "artifacts_dir" {
  description = "Directory produced by `make package` (holds manifest.json and lambda/)."
  type        = string

  validation {
    condition     = alltrue([for path in local.artifacts : fileexists("${var.artifacts_dir}/${path}")])
    error_message = "artifacts_dir (${var.artifacts_dir}) lacks ${join(", ", [for path in local.artifacts : path if !fileexists("${var.artifacts_dir}/${path}")])}: run `make package` and point artifacts_dir at its build/ directory."
  }
}

variable "collection_id" {
  description = "Rekognition face collection created for the riders' faces (default <name>-faces). A deployment that relied on the former default keeps its collection, and the faces in it, with collection_id = \"rider-photos\"."
  type        = string
  default     = null

  validation {
    condition     = var.collection_id == null || can(regex("^[a-zA-Z0-9_.-]{1,255}$", coalesce(var.collection_id, "x")))
    error_message = "collection_id must be 1-255 letters, digits, '_', '.' or '-'."
  }
}

variable "create_photo_bucket" {
  description = "Create the bucket riders upload photos to; false to use an existing bucket named by photo_bucket_name."
  type        = bool
  default     = true
}

variable "photo_bucket_name" {
  description = "Name of the photo bucket: the existing one with create_photo_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-photos)."
  type        = string
  default     = null

  validation {
    condition     = var.create_photo_bucket || var.photo_bucket_name != null
    error_message = "create_photo_bucket = false uses an existing bucket: set photo_bucket_name to its name."
  }
}

variable "create_thumbnail_bucket" {
  description = "Create the bucket receiving the thumbnails; false to use an existing bucket named by thumbnail_bucket_name."
  type        = bool
  default     = true
}

variable "thumbnail_bucket_name" {
  description = "Name of the thumbnail bucket: the existing one with create_thumbnail_bucket = false (looked up at plan, so a wrong name fails there), else the one created (default <name>-thumbnails)."
  type        = string
  default     = null

  validation {
    condition     = var.create_thumbnail_bucket || var.thumbnail_bucket_name != null
    error_message = "create_thumbnail_bucket = false uses an existing bucket: set thumbnail_bucket_name to its name."
  }
}

variable "table_name" {
  description = "Name of the DynamoDB table of riders (default <name>-riders, or <name> when name already ends with -riders); key userId."
  type        = string
  default     = null

  validation {
    condition     = var.table_name == null || can(regex("^[a-zA-Z0-9_.-]{3,255}$", coalesce(var.table_name, "xxx")))
    error_message = "table_name must be 3-255 letters, digits, '_', '.' or '-'."
  }
}

variable "upload_prefix" {
  description = "Uploads under this key prefix start the workflow; the user id is the next folder: <upload_prefix><userId>/<file>."
  type        = string
  default     = ""

  validation {
    condition     = var.upload_prefix == "" || endswith(var.upload_prefix, "/")
    error_message = "upload_prefix must be empty or end with '/'."
  }
}

variable "photo_suffixes" {
  description = "Only uploads whose key ends with one of these start the workflow (case-sensitive, as S3 filters are)."
  type        = list(string)
  default     = [".jpg", ".jpeg", ".png", ".JPG", ".JPEG", ".PNG"]

  validation {
    condition     = length(var.photo_suffixes) > 0 && alltrue([for s in var.photo_suffixes : length(s) > 0])
    error_message = "photo_suffixes must list at least one non-empty suffix."
  }
}

variable "trigger" {
  description = "How uploads start the workflow: \"eventbridge\" (an EventBridge rule on the photo bucket's events: other rules and workflows can share the bucket; for an existing bucket its owner turns on EventBridge notifications), \"s3_notification\" (the bucket's notification configuration, which it then owns whole) or \"none\" (wire start_target yourself)."
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

variable "user_id_source" {
  description = "Where the start function reads the rider's user id: \"key\" (<userId>/<file>) or \"metadata\" (x-amz-meta-user-id)."
  type        = string
  default     = "key"

  validation {
    condition     = contains(["key", "metadata"], var.user_id_source)
    error_message = "user_id_source must be \"key\" or \"metadata\"."
  }
}

variable "face_match_threshold" {
  description = "Similarity (0-100) at or above which CheckFaceDuplicate treats a face as already registered."
  type        = number
  default     = 80

  validation {
    condition     = var.face_match_threshold >= 0 && var.face_match_threshold <= 100
    error_message = "face_match_threshold must be between 0 and 100."
  }
}

variable "min_face_confidence" {
  description = "Detections below this confidence (0-100) are not counted as faces by FaceDetection."
  type        = number
  default     = 90

  validation {
    condition     = var.min_face_confidence >= 0 && var.min_face_confidence <= 100
    error_message = "min_face_confidence must be between 0 and 100."
  }
}

variable "require_eyes_open" {
  description = "Refuse photos whose face has its eyes closed."
  type        = bool
  default     = true
}

variable "face_attribute_confidence" {
  description = "FaceDetection refuses a photo for sunglasses or closed eyes only when Rekognition's Confidence (50-100) in that finding is at least this; 99 is Rekognition's guidance where a wrong classification harms the person (Guidelines on face attributes)."
  type        = number
  default     = 99

  validation {
    condition     = var.face_attribute_confidence >= 50 && var.face_attribute_confidence <= 100
    error_message = "face_attribute_confidence must be between 50 and 100 (the confidence in a yes/no attribute's Value is at least 50)."
  }
}

variable "index_quality_filter" {
  description = "Rekognition QualityFilter of IndexFaces (NONE, AUTO, LOW, MEDIUM, HIGH)."
  type        = string
  default     = "AUTO"

  validation {
    condition     = contains(["NONE", "AUTO", "LOW", "MEDIUM", "HIGH"], var.index_quality_filter)
    error_message = "index_quality_filter must be one of NONE, AUTO, LOW, MEDIUM, HIGH."
  }
}

variable "thumbnail_max_size" {
  description = "Thumbnails fit in a square of this many pixels (aspect ratio kept, never enlarged)."
  type        = number
  default     = 250

  validation {
    condition     = var.thumbnail_max_size >= 16 && var.thumbnail_max_size <= 2000 && floor(var.thumbnail_max_size) == var.thumbnail_max_size
    error_message = "thumbnail_max_size must be a whole number between 16 and 2000."
  }
}

variable "max_photo_bytes" {
  description = "Larger uploads fail with ImageTooLargeError (Rekognition reads at most 15 MiB from S3)."
  type        = number
  default     = 15728640

  validation {
    condition     = var.max_photo_bytes >= 1024 && var.max_photo_bytes <= 15728640
    error_message = "max_photo_bytes must be between 1024 and 15728640 (15 MiB)."
  }
}

variable "max_photo_pixels" {
  description = "Photos with more pixels fail with ImageTooLargeError before being decoded (decompression bombs)."
  type        = number
  default     = 40000000

  validation {
    condition     = var.max_photo_pixels >= 10000 && var.max_photo_pixels <= 500000000
    error_message = "max_photo_pixels must be between 10000 and 500000000."
  }
}

variable "notification_sender_email" {
  description = "Verified SES identity to email refusals from (to the rider's `email` metadata); null sends no email."
  type        = string
  default     = null

  validation {
    condition     = var.notification_sender_email == null || can(regex("^[^@ ]+@[^@ ]+\\.[^@ ]+$", coalesce(var.notification_sender_email, "a@b.c")))
    error_message = "notification_sender_email must be an email address."
  }
}

variable "create_notification_topic" {
  description = "Create an SNS topic for refusals not sent by email (ignored when notification_topic_arn is set)."
  type        = bool
  default     = true
}

variable "notification_topic_arn" {
  description = "Existing SNS topic for refusals; null uses the created topic (or none)."
  type        = string
  default     = null

  validation {
    condition     = var.notification_topic_arn == null || can(regex("^arn:[^:]+:sns:", coalesce(var.notification_topic_arn, "arn:aws:sns:")))
    error_message = "notification_topic_arn must be an SNS topic ARN."
  }
}

variable "retry" {
  description = "Retry of every task on transient Lambda and service errors (the workshop uses 2 s, 6 attempts, x2)."
  type = object({
    interval_seconds = optional(number, 2)
    max_attempts     = optional(number, 6)
    backoff_rate     = optional(number, 2)
  })
  default = {}

  validation {
    condition     = var.retry.interval_seconds >= 1 && var.retry.max_attempts >= 0 && var.retry.max_attempts <= 99 && var.retry.backoff_rate >= 1
    error_message = "retry needs interval_seconds >= 1, max_attempts 0-99 and backoff_rate >= 1."
  }
}

variable "function_timeout" {
  description = "Timeout in seconds of the workflow's functions."
  type        = number
  default     = 60

  validation {
    condition     = var.function_timeout >= 5 && var.function_timeout <= 900
    error_message = "function_timeout must be between 5 and 900 seconds."
  }
}

variable "image_memory_size" {
  description = "Memory (MB) of FaceDetection and Thumbnail, which decode photos."
  type        = number
  default     = 1024

  validation {
    condition     = var.image_memory_size >= 256 && var.image_memory_size <= 10240
    error_message = "image_memory_size must be between 256 and 10240 MB."
  }
}

variable "point_in_time_recovery" {
  description = "Enable point-in-time recovery of the riders table."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the riders table from deletion."
  type        = bool
  default     = false
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
  description = "KMS key for buckets, table, topic, logs and environment variables; null uses AWS-managed encryption."
  type        = string
  default     = null
}

variable "tracing_enabled" {
  description = "Enable X-Ray tracing on the functions and the state machine."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Allow destroying the buckets while they hold objects (for tests and demos)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}

variable "create_api" {
  description = "Also create an HTTP API whose `POST /photos` starts an execution with the request body as input."
  type        = bool
  default     = false
}

variable "api_authorization_type" {
  description = "Authorization of the API's route: AWS_IAM (callers sign with SigV4 and need execute-api:Invoke) or NONE."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.api_authorization_type)
    error_message = "api_authorization_type must be AWS_IAM or NONE."
  }
}

variable "api_throttling" {
  description = "Steady-state requests per second and burst of the API's default route."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = { rate_limit = 10, burst_limit = 20 }

  validation {
    condition     = var.api_throttling.rate_limit > 0 && var.api_throttling.burst_limit >= 1
    error_message = "api_throttling needs rate_limit > 0 and burst_limit >= 1."
  }
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
