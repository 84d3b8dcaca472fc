# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# and Glue job runs that failed, timed out or errored (an EventBridge rule on Glue's "Glue Job
# State Change" events, whose every match counts in AWS/Events TriggeredRules). README
# "Operations" says what each means and how to replay the work.

variable "alarms_enabled" {
  description = "Create the CloudWatch alarms (executions and Glue job failures)."
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
  source             = "../workflow-monitoring"
  name               = var.name
  alarms_enabled     = var.alarms_enabled
  dashboard_enabled  = var.dashboard_enabled
  alarm_actions      = var.alarm_actions
  create_topic       = var.create_alarm_topic
  kms_key_arn        = var.kms_key_arn
  state_machine_arns = { main = module.state_machine.arn }
  event_rule_names   = var.alarms_enabled ? { glue-job-failures = aws_cloudwatch_event_rule.job_failures[0].name } : {}
  tags               = var.tags
}

# Glue sends "Glue Job State Change" events to the default bus ("Automating AWS Glue with
# EventBridge", Glue developer guide); a run that failed, timed out or errored, of this
# workflow's jobs, matches. A job run started by hand (not by the state machine) is seen too.
resource "aws_cloudwatch_event_rule" "job_failures" {
  count       = var.alarms_enabled ? 1 : 0
  name        = "${var.name}-glue-job-failures"
  description = "Glue job runs of ${var.name} that failed, timed out or errored"
  event_pattern = jsonencode({
    source      = ["aws.glue"]
    detail-type = ["Glue Job State Change"]
    detail = {
      jobName = [for job in aws_glue_job.this : job.name]
      state   = ["FAILED", "TIMEOUT", "ERROR"]
    }
  })
  tags = var.tags
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, glue-job-failures-matched, ...)."
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
