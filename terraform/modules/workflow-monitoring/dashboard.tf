# One dashboard per workflow: executions and their duration, queue depths, Lambda durations,
# errors and throttles, and the metrics the functions emit themselves.

locals {
  widget_width = 12

  execution_widgets = flatten([
    for key, arn in var.state_machine_arns : [
      {
        title = "${key}: executions"
        stat  = "Sum"
        metrics = [
          for metric in ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionsRedriven"] :
          ["AWS/States", metric, "StateMachineArn", arn, { label = trimprefix(metric, "Executions") }]
        ]
      },
      {
        title = "${key}: execution duration (ms)"
        stat  = "Average"
        metrics = [
          ["AWS/States", "ExecutionTime", "StateMachineArn", arn, { stat = "Average", label = "average" }],
          ["AWS/States", "ExecutionTime", "StateMachineArn", arn, { stat = "p90", label = "p90" }],
          ["AWS/States", "ExecutionTime", "StateMachineArn", arn, { stat = "Maximum", label = "maximum" }],
        ]
      },
    ]
  ])

  queue_widgets = length(var.queue_names) + length(var.dead_letter_queue_names) == 0 ? [] : [
    {
      title = "Queue depth (visible messages)"
      stat  = "Maximum"
      metrics = concat(
        [for key, queue in var.queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { label = key }]],
        [for key, queue in var.dead_letter_queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue, { label = "${key} (dead letters)" }]],
      )
    },
    {
      title = "Age of the oldest message (s)"
      stat  = "Maximum"
      metrics = concat(
        [for key, queue in var.queue_names : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, { label = key }]],
        [for key, queue in var.dead_letter_queue_names : ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", queue, { label = "${key} (dead letters)" }]],
      )
    },
  ]

  # Each Task of these workflows is a Lambda function (or a Glue job, whose duration is the
  # execution's): their durations are the key Task durations.
  function_widgets = length(var.functions) == 0 ? [] : [
    {
      title   = "Lambda duration, p90 (ms)"
      stat    = "p90"
      metrics = [for key, fn in var.functions : ["AWS/Lambda", "Duration", "FunctionName", fn.name, { label = key }]]
    },
    {
      title   = "Lambda errors"
      stat    = "Sum"
      metrics = [for key, fn in var.functions : ["AWS/Lambda", "Errors", "FunctionName", fn.name, { label = key }]]
    },
    {
      title   = "Lambda throttles"
      stat    = "Sum"
      metrics = [for key, fn in var.functions : ["AWS/Lambda", "Throttles", "FunctionName", fn.name, { label = key }]]
    },
  ]

  custom_widgets = [
    for metric in var.custom_metrics : {
      title = "${metric.name}${length(metric.dimensions) == 0 ? "" : " (${join(", ", [for k, v in metric.dimensions : "${k}=${v}"])})"}${metric.split_by == null ? "" : " by ${metric.split_by}"}"
      stat  = metric.stat
      # One metric, or a SEARCH for every value of split_by (encoded: the two differ in type).
      metrics = jsondecode(metric.split_by == null ? jsonencode([concat(
        [metric.namespace, metric.name],
        flatten([for k, v in metric.dimensions : [k, v]]),
        )]) : jsonencode([[{
          # SEARCH's schema names every dimension of the metric, sorted as CloudWatch lists them.
          expression = "SEARCH('{${join(",", concat([metric.namespace], sort(concat(keys(metric.dimensions), [metric.split_by]))))}} MetricName=\"${metric.name}\" ${join(" ", [for k, v in metric.dimensions : "${k}=\"${v}\""])}', '${metric.stat}', ${var.period_seconds})"
          id         = "search"
      }]]))
    }
  ]

  widgets = concat(local.execution_widgets, local.queue_widgets, local.function_widgets, local.custom_widgets)
}

resource "aws_cloudwatch_dashboard" "this" {
  count          = var.dashboard_enabled ? 1 : 0
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in local.widgets : {
        type   = "metric"
        x      = (index % 2) * local.widget_width
        y      = floor(index / 2) * 6
        width  = local.widget_width
        height = 6
        properties = {
          title   = widget.title
          region  = local.region
          view    = "timeSeries"
          stacked = false
          period  = var.period_seconds
          stat    = widget.stat
          metrics = widget.metrics
        }
      }
    ]
  })
}
