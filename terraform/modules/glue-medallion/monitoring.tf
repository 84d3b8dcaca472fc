# Alarms and a dashboard (../workflow-monitoring): failed, timed-out and aborted executions,
# and Glue job runs that failed, timed out or errored (an EventBridge rule on Glue's "Glue Job
# State Change" events, whose every match counts in AWS/Events TriggeredRules). README
# "Operations" says what each means and how to replay the work.

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
