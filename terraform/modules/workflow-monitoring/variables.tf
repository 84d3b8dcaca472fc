variable "name" {
  description = "Name prefix of the alarms, the dashboard and the alarm topic (the workflow's name)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,200}$", var.name))
    error_message = "name must be 1-201 letters, digits, '-' or '_'."
  }
}

variable "alarms_enabled" {
  description = "Create the alarms (and the topic, with create_topic)."
  type        = bool
  default     = true
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "state_machine_arns" {
  description = "State machines by a short key: each gets alarms on failed, timed-out and aborted executions, and dashboard widgets."
  type        = map(string)
  default     = {}
}

variable "dead_letter_queue_names" {
  description = "Dead-letter queues by a short key: each gets alarms on visible messages and on the age of the oldest one."
  type        = map(string)
  default     = {}
}

variable "queue_names" {
  description = "Work queues by a short key, shown on the dashboard (no alarm: a backlog is not a failure)."
  type        = map(string)
  default     = {}
}

variable "functions" {
  description = <<-EOT
    Lambda functions by a short key: each gets a Throttles alarm and, unless alarm_on_errors is
    false (a function whose errors are caught outcomes, such as a refused photo), an Errors alarm.
  EOT
  type = map(object({
    name            = string
    alarm_on_errors = optional(bool, true)
  }))
  default = {}
}

variable "event_rule_names" {
  description = "EventBridge rules by a short key whose every match is a failure (e.g. Glue Job State Change FAILED): an alarm on AWS/Events TriggeredRules each."
  type        = map(string)
  default     = {}
}

variable "alarm_actions" {
  description = "SNS topic ARNs notified when an alarm goes to ALARM and back to OK (their policies must let cloudwatch.amazonaws.com publish, and their keys let it use them)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for arn in var.alarm_actions : can(regex("^arn:[^:]+:sns:[^:]+:[0-9]{12}:[A-Za-z0-9_-]+$", arn))])
    error_message = "alarm_actions must be SNS topic ARNs."
  }
}

variable "create_topic" {
  description = "Create an encrypted SNS topic <name>-alarms that every alarm notifies, besides alarm_actions; subscribe to it to be told."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Key of the created topic (its policy must let cloudwatch.amazonaws.com use kms:GenerateDataKey* and kms:Decrypt); null creates a key for the topic."
  type        = string
  default     = null
}

variable "period_seconds" {
  description = "Period of every alarm: a failure is seen within about this long (CloudWatch evaluates each minute)."
  type        = number
  default     = 60

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60 (AWS service metrics are per minute)."
  }
}

variable "dead_letter_age_threshold_seconds" {
  description = "Alarm when the oldest message of a dead-letter queue is older than this: failed work nobody has redriven."
  type        = number
  default     = 3600

  validation {
    condition     = var.dead_letter_age_threshold_seconds >= 60
    error_message = "dead_letter_age_threshold_seconds must be at least 60."
  }
}

variable "custom_metrics" {
  description = "Metrics the functions emit (embedded metric format, lambda_common.metrics: namespace Workflows, dimensions service and function) to show on the dashboard."
  type = list(object({
    namespace  = optional(string, "Workflows")
    name       = string
    dimensions = optional(map(string), {})
    stat       = optional(string, "Sum")
    split_by   = optional(string) # a further dimension: one line per value (a SEARCH expression)
  }))
  default = []
}

variable "tags" {
  description = "Tags for the alarms, topic and key."
  type        = map(string)
  default     = {}
}
