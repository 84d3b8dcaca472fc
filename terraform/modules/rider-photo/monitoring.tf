# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# the start function's dead letters, the functions' errors and throttles. Face detection and
# face search fail by design on a refused photo (the state machine catches it): no Errors alarm
# for them. README "Operations" says what each means and how to replay the work.

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
  functions = {
    start            = { name = module.start.function_name }
    face_detection   = { name = module.face_detection.function_name, alarm_on_errors = false }
    face_search      = { name = module.face_search.function_name, alarm_on_errors = false }
    index_face       = { name = module.index_face.function_name }
    thumbnail        = { name = module.thumbnail.function_name }
    persist_metadata = { name = module.persist_metadata.function_name }
    notification     = { name = module.notification.function_name }
  }
  custom_metrics = [
    { name = "PhotosRefused", dimensions = { service = "photo_notification", function = module.notification.function_name }, split_by = "reason" },
    { name = "RidersRegistered", dimensions = { service = "photo_persist_metadata", function = module.persist_metadata.function_name } },
  ]
  tags = var.tags
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, start-dead-letters, persist_metadata-errors, ...)."
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
