variable "region" {
  description = "AWS region of every resource."
  type        = string
  default     = "eu-west-1"
}

variable "name_prefix" {
  description = "Prefix of every resource name (buckets too, so unique to your organisation)."
  type        = string

  validation {
    # Leaves room for the longest module suffix within the modules' 40-character names.
    condition     = can(regex("^[a-z][a-z0-9-]{1,18}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-20 lowercase letters, digits and '-', starting with a letter."
  }
}

variable "artifacts_dir" {
  description = "build/ directory of `make package` (relative to this directory or absolute)."
  type        = string
  default     = "../../../build"
}

variable "log_retention_days" {
  description = "Retention of every log group of the four workflows."
  type        = number
  default     = 90
}

variable "tracing_enabled" {
  description = "X-Ray tracing of the functions and state machines (billed per trace)."
  type        = bool
  default     = false
}

variable "rider_notification_sender_email" {
  description = "SES-verified address rider-photo emails refusals from; null publishes them to its SNS topic only."
  type        = string
  default     = null
}

variable "rider_photo_api" {
  description = "Also create rider-photo's HTTP API (POST /photos starts an execution; access log encrypted with the key)."
  type        = bool
  default     = false
}

variable "medallion_schedule" {
  description = "EventBridge schedule of the daily medallion run, e.g. cron(30 2 * * ? *); null to start runs yourself."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource (provider default_tags), besides Workflows = name_prefix."
  type        = map(string)
  default     = { Project = "stepflow-toolkit", ManagedBy = "terraform" }
}
