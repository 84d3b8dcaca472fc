# Alarms and a dashboard (../workflow-monitoring): dead letters of every rendition and of the
# publisher, the functions' errors and throttles. README "Operations" says what each means.

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

module "monitoring" {
  source            = "../workflow-monitoring"
  name              = var.name
  alarms_enabled    = var.alarms_enabled
  dashboard_enabled = var.dashboard_enabled
  alarm_actions     = var.alarm_actions
  create_topic      = var.create_alarm_topic
  kms_key_arn       = var.kms_key_arn
  dead_letter_queue_names = merge(
    { for name, queue in aws_sqs_queue.dead_letter : name => queue.name },
    { publisher = element(split(":", module.publisher.dead_letter_queue_arn), 5) },
  )
  queue_names = { for name, queue in aws_sqs_queue.work : name => queue.name }
  functions = merge(
    { publisher = { name = module.publisher.function_name } },
    { for name, fn in module.transcoder : "transcode-${name}" => { name = fn.function_name } },
  )
  custom_metrics = [for name, fn in module.transcoder : {
    name       = "RenditionsDelivered"
    dimensions = { service = "fanout_transcode", function = fn.function_name }
  }]
  tags = var.tags
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (<rendition>-dead-letters, publisher-errors, ...)."
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
