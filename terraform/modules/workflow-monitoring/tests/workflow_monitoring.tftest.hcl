# Plan-level checks of the alarms, topic and dashboard with a mocked AWS provider.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:111122223333:orders-alarms" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" }
  }
}

variables {
  name               = "orders"
  state_machine_arns = { main = "arn:aws:states:eu-west-1:111122223333:stateMachine:orders" }
  dead_letter_queue_names = {
    work = "orders-work-dlq"
  }
  queue_names = { work = "orders-work" }
  functions = {
    charge = { name = "orders-charge" }
    check  = { name = "orders-check", alarm_on_errors = false }
  }
  alarm_actions = ["arn:aws:sns:eu-west-1:111122223333:ops-pager"]
}

run "alarms_on_by_default" {
  command = plan

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "main-executions-failed", "main-executions-timed-out", "main-executions-aborted",
      "work-dead-letters", "work-dead-letter-age",
      "charge-errors", "charge-throttles", "check-throttles",
    ])
    error_message = "Every execution outcome, dead-letter queue and function is watched; check's errors are outcomes, not alarms."
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.this["main-executions-failed"].alarm_name == "orders-main-executions-failed" &&
      aws_cloudwatch_metric_alarm.this["main-executions-failed"].namespace == "AWS/States" &&
      aws_cloudwatch_metric_alarm.this["main-executions-failed"].metric_name == "ExecutionsFailed" &&
      aws_cloudwatch_metric_alarm.this["main-executions-failed"].dimensions == tomap({ StateMachineArn = "arn:aws:states:eu-west-1:111122223333:stateMachine:orders" }) &&
      aws_cloudwatch_metric_alarm.this["work-dead-letters"].dimensions == tomap({ QueueName = "orders-work-dlq" }) &&
      aws_cloudwatch_metric_alarm.this["work-dead-letter-age"].threshold == 3600 &&
      aws_cloudwatch_metric_alarm.this["charge-errors"].dimensions == tomap({ FunctionName = "orders-charge" })
    )
    error_message = "Alarms watch AWS's metrics by their documented dimensions."
  }
  assert {
    condition = alltrue([for alarm in aws_cloudwatch_metric_alarm.this : (
      alarm.treat_missing_data == "notBreaching" && alarm.period == 60 && alarm.evaluation_periods == 1 &&
      alarm.comparison_operator == "GreaterThanOrEqualToThreshold" &&
      alarm.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:ops-pager"]) &&
      alarm.ok_actions == alarm.alarm_actions
    )])
    error_message = "Every alarm fires on one bad minute, treats no data as fine and notifies alarm_actions both ways."
  }
  assert {
    condition     = length(aws_sns_topic.alarms) == 0 && length(aws_kms_key.alarms) == 0
    error_message = "No topic unless asked for."
  }
  assert {
    condition = (
      length(jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets) == 7 &&
      aws_cloudwatch_dashboard.this[0].dashboard_name == "orders"
    )
    error_message = "The dashboard shows executions, duration, queue depth and age, Lambda duration, errors and throttles."
  }
}

run "custom_metrics_on_the_dashboard" {
  command = plan

  variables {
    custom_metrics = [
      { name = "Parts", dimensions = { service = "split", function = "orders-split" } },
      { name = "Refused", dimensions = { service = "notify", function = "orders-notify" }, split_by = "reason" },
    ]
  }

  assert {
    condition = (
      [for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.metrics if w.properties.title == "Parts (function=orders-split, service=split)"][0] ==
      [["Workflows", "Parts", "function", "orders-split", "service", "split"]]
    )
    error_message = "A custom metric is shown by its namespace, name and dimensions."
  }
  assert {
    condition = (
      [for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w.properties.metrics if w.properties.title == "Refused (function=orders-notify, service=notify) by reason"][0][0][0].expression ==
      "SEARCH('{Workflows,function,reason,service} MetricName=\"Refused\" function=\"orders-notify\" service=\"notify\"', 'Sum', 60)"
    )
    error_message = "A metric split by a dimension is a SEARCH over every value of it."
  }
}

run "topic_with_a_key_of_its_own" {
  command = plan

  variables {
    create_topic  = true
    alarm_actions = []
  }

  assert {
    condition = (
      aws_sns_topic.alarms[0].name == "orders-alarms" &&
      aws_sns_topic.alarms[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0" &&
      aws_kms_key.alarms[0].enable_key_rotation
    )
    error_message = "The topic is encrypted with a customer managed key (CloudWatch cannot use SNS's AWS managed key)."
  }
  assert {
    condition = jsondecode(aws_sns_topic_policy.alarms[0].policy).Statement == [{
      Sid       = "CloudWatchAlarmsPublish"
      Effect    = "Allow"
      Principal = { Service = "cloudwatch.amazonaws.com" }
      Action    = "sns:Publish"
      Resource  = "arn:aws:sns:eu-west-1:111122223333:orders-alarms"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "111122223333" }
        ArnLike      = { "aws:SourceArn" = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-*" }
      }
    }]
    error_message = "Only this workflow's alarms may publish to the topic."
  }
  assert {
    condition = [for s in jsondecode(aws_kms_key.alarms[0].policy).Statement : s if s.Sid == "CloudWatchAlarmsEncrypt"][0].Condition == {
      StringEquals = { "aws:SourceAccount" = "111122223333" }
      ArnLike      = { "aws:SourceArn" = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:orders-*" }
    }
    error_message = "CloudWatch may use the key for this workflow's alarms only."
  }
  assert {
    condition     = alltrue([for alarm in aws_cloudwatch_metric_alarm.this : alarm.alarm_actions == toset(["arn:aws:sns:eu-west-1:111122223333:orders-alarms"])])
    error_message = "Every alarm notifies the created topic."
  }
}

run "topic_with_the_callers_key" {
  command = plan

  variables {
    create_topic = true
    kms_key_arn  = "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"
  }

  assert {
    condition = (
      length(aws_kms_key.alarms) == 0 &&
      aws_sns_topic.alarms[0].kms_master_key_id == "arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    )
    error_message = "With kms_key_arn the topic uses that key and no key is created."
  }
}

run "switched_off" {
  command = plan

  variables {
    alarms_enabled    = false
    dashboard_enabled = false
    create_topic      = true
  }

  assert {
    condition = (
      length(aws_cloudwatch_metric_alarm.this) == 0 && length(aws_sns_topic.alarms) == 0 &&
      length(aws_kms_key.alarms) == 0 && length(aws_cloudwatch_dashboard.this) == 0
    )
    error_message = "alarms_enabled and dashboard_enabled switch everything off."
  }
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    alarm_actions                     = ["arn:aws:sqs:eu-west-1:111122223333:not-a-topic"]
    period_seconds                    = 30
    dead_letter_age_threshold_seconds = 10
  }

  expect_failures = [var.alarm_actions, var.period_seconds, var.dead_letter_age_threshold_seconds]
}
