variable "name" {
  description = "Name of the EventBridge rule; its dead-letter queue is <name>-dlq."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,60}$", var.name))
    error_message = "name must be 1-60 letters, digits, '.', '_' or '-' (an EventBridge rule name, with room for the queue's -dlq)."
  }
}

variable "mode" {
  description = "How uploads reach the function: \"eventbridge\" (a rule on the bucket's EventBridge events; the bucket keeps its own notifications), \"s3_notification\" (the bucket's notification configuration invokes the function, replacing any other), \"none\" (the caller wires it)."
  type        = string
  default     = "eventbridge"

  validation {
    condition     = contains(["eventbridge", "s3_notification", "none"], var.mode)
    error_message = "mode (a workflow module's trigger) must be \"eventbridge\", \"s3_notification\" or \"none\"."
  }
}

variable "bucket_name" {
  description = "Bucket whose uploads start the function."
  type        = string
}

variable "bucket_eventbridge" {
  description = "With mode \"eventbridge\", turn on the bucket's EventBridge notifications here: only for a bucket the workflow module creates, as aws_s3_bucket_notification owns the bucket's whole notification configuration. For an existing bucket its owner turns them on (eventbridge = true in their own aws_s3_bucket_notification)."
  type        = bool
}

variable "prefix" {
  description = "Only keys under this prefix start the function (\"\" for the whole bucket)."
  type        = string
}

variable "suffixes" {
  description = "Only keys ending with one of these start the function (case-sensitive)."
  type        = list(string)

  validation {
    condition     = length(var.suffixes) > 0 && alltrue([for s in var.suffixes : length(s) > 0])
    error_message = "suffixes must list at least one non-empty suffix."
  }
}

variable "function_name" {
  description = "Name of the function uploads start."
  type        = string
}

variable "function_arn" {
  description = "ARN of the function uploads start."
  type        = string
}

variable "retry_policy" {
  description = "How long and how often EventBridge retries delivering an event it could not hand to the function (EventBridge's defaults: 185 attempts over 24 hours); then the event goes to the dead-letter queue."
  type = object({
    maximum_retry_attempts       = optional(number, 185)
    maximum_event_age_in_seconds = optional(number, 86400)
  })
  default = {}

  validation {
    condition     = var.retry_policy.maximum_retry_attempts >= 0 && var.retry_policy.maximum_retry_attempts <= 185 && var.retry_policy.maximum_event_age_in_seconds >= 60 && var.retry_policy.maximum_event_age_in_seconds <= 86400
    error_message = "retry_policy: maximum_retry_attempts is 0-185 and maximum_event_age_in_seconds 60-86400 (PutTargets, EventBridge API Reference)."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the dead-letter queue (its key policy must let events.amazonaws.com use it); null encrypts it with SSE-SQS."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
