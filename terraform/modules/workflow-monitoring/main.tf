# Alarms on what means failed work: executions that failed, timed out or were aborted; messages
# waiting in dead-letter queues (and for how long); Lambda errors and throttles; EventBridge rules
# that match failures. Every alarm notifies alarm_actions and the optional topic, on ALARM and
# again on OK.

data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  alarm_arns = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name}-*"

  create_topic = var.alarms_enabled && var.create_topic
  create_key   = local.create_topic && var.kms_key_arn == null
  targets      = concat(var.alarm_actions, aws_sns_topic.alarms[*].arn)

  # AWS/States metrics by StateMachineArn ("Monitoring Step Functions metrics using CloudWatch").
  execution_outcomes = {
    failed    = { metric = "ExecutionsFailed", what = "failed" }
    timed-out = { metric = "ExecutionsTimedOut", what = "timed out" }
    aborted   = { metric = "ExecutionsAborted", what = "were aborted (stopped)" }
  }

  alarms = merge(
    {
      for pair in setproduct(keys(var.state_machine_arns), keys(local.execution_outcomes)) :
      "${pair[0]}-executions-${pair[1]}" => {
        namespace   = "AWS/States"
        metric      = local.execution_outcomes[pair[1]].metric
        dimensions  = { StateMachineArn = var.state_machine_arns[pair[0]] }
        statistic   = "Sum"
        threshold   = 1
        description = "Executions of the ${pair[0]} state machine ${local.execution_outcomes[pair[1]].what}. Read the execution's history, fix the cause, then redrive it (scripts/redrive.py executions)."
      }
    },
    {
      for key, queue in var.dead_letter_queue_names : "${key}-dead-letters" => {
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = queue }
        statistic   = "Maximum"
        threshold   = 1
        description = "Work failed for good and waits in the ${queue} dead-letter queue. Read a message, fix the cause, then redrive the queue (scripts/redrive.py queue)."
      }
    },
    {
      for key, queue in var.dead_letter_queue_names : "${key}-dead-letter-age" => {
        namespace   = "AWS/SQS"
        metric      = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = queue }
        statistic   = "Maximum"
        threshold   = var.dead_letter_age_threshold_seconds
        description = "A message has waited over ${var.dead_letter_age_threshold_seconds} s in the ${queue} dead-letter queue: redrive or discard it before its retention ends."
      }
    },
    {
      for key, fn in var.functions : "${key}-errors" => {
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        dimensions  = { FunctionName = fn.name }
        statistic   = "Sum"
        threshold   = 1
        description = "The ${fn.name} function failed (an unhandled error or a timeout); its caller retries or fails. Read its log group."
      } if fn.alarm_on_errors
    },
    {
      for key, fn in var.functions : "${key}-throttles" => {
        namespace   = "AWS/Lambda"
        metric      = "Throttles"
        dimensions  = { FunctionName = fn.name }
        statistic   = "Sum"
        threshold   = 1
        description = "Invocations of ${fn.name} were throttled: the account's or function's concurrency is exhausted."
      }
    },
    {
      for key, rule in var.event_rule_names : "${key}-matched" => {
        namespace   = "AWS/Events"
        metric      = "TriggeredRules"
        dimensions  = { RuleName = rule }
        statistic   = "Sum"
        threshold   = 1
        description = "The ${rule} rule matched a failure event."
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each            = var.alarms_enabled ? local.alarms : {}
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  period              = var.period_seconds
  evaluation_periods  = 1
  threshold           = each.value.threshold
  comparison_operator = "GreaterThanOrEqualToThreshold"
  # No data is no failure: these metrics are sparse (a count is sent only when something happened).
  treat_missing_data = "notBreaching"
  alarm_actions      = local.targets
  ok_actions         = local.targets
  tags               = var.tags
}

# --- the optional alarm topic ------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  count = local.create_topic ? 1 : 0
  name  = "${var.name}-alarms"
  # A customer managed key: CloudWatch cannot use SNS's AWS managed key, so an alarm would never
  # reach a topic encrypted with it (SNS developer guide, "Enable compatibility between event
  # sources from AWS services and encrypted topics").
  kms_master_key_id = coalesce(var.kms_key_arn, one(aws_kms_key.alarms[*].arn))
  tags              = var.tags
}

# Same-account principals publish and subscribe through their IAM policies; this adds only
# CloudWatch, for this workflow's alarms.
resource "aws_sns_topic_policy" "alarms" {
  count = local.create_topic ? 1 : 0
  arn   = aws_sns_topic.alarms[0].arn
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "CloudWatchAlarmsPublish"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = aws_sns_topic.alarms[0].arn
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = local.alarm_arns }
      }
    }]
  })
}

resource "aws_kms_key" "alarms" {
  count                   = local.create_key ? 1 : 0
  description             = "${var.name} alarm topic"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's default key policy statement: IAM policies of this account decide who uses the
        # key (subscribers' deliveries, the deployer). Without it the key becomes unmanageable.
        Sid       = "AccountIamPolicies"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*" # in a key policy, "*" is this key
      },
      {
        Sid       = "CloudWatchAlarmsEncrypt"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = local.alarm_arns }
        }
      },
    ]
  })
  tags = var.tags
}
