# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# the start function's dead letters, every function's errors and throttles. README
# "Operations" says what each means and how to replay the work.

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

module "monitoring" {
  source                  = "../workflow-monitoring"
  name                    = var.name
  alarms_enabled          = var.alarms_enabled
  dashboard_enabled       = var.dashboard_enabled
  alarm_actions           = var.alarm_actions
  create_topic            = var.create_alarm_topic
  kms_key_arn             = var.kms_key_arn
  state_machine_arns      = { main = module.state_machine.arn }
  dead_letter_queue_names = { start = element(split(":", module.start.dead_letter_queue_arn), 5) }
  functions = { for role, fn in {
    start   = module.start.function_name
    split   = module.split.function_name
    encode  = one(module.encode[*].function_name)
    prepare = one(module.prepare[*].function_name)
    merge   = module.merge.function_name
    cleanup = module.cleanup.function_name
  } : role => { name = fn } if fn != null }
  custom_metrics = [
    { name = "SecondsEncoded", dimensions = { service = "media_merge", function = module.merge.function_name } },
    { name = "PartsPerJob", dimensions = { service = "media_split", function = module.split.function_name }, stat = "Average" },
  ]
  tags = var.tags
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, start-dead-letters, split-errors, ...)."
  value       = module.monitoring.alarm_names
}

output "alarm_topic_arn" {
  description = "The alarm topic created by create_alarm_topic (null without it)."
  value       = module.monitoring.topic_arn
}

output "dashboard_name" {
  description = "The CloudWatch dashboard (null when dashboard_enabled is false)."
  value       = module.monitoring.dashboard_name
}
