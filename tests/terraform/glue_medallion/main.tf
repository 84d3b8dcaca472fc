# glue-medallion on the local AWS: short crawler polls and retries so runs take seconds, a
# failure alert topic with a queue subscribed to read it.

variable "endpoint" {
  description = "URL of the local AWS."
  type        = string
}

variable "name" {
  description = "Name prefix, unique per test run."
  type        = string
}

module "glue_medallion" {
  source                 = "../../../terraform/modules/glue-medallion"
  name                   = var.name
  crawler_poll_seconds   = 1
  retry_interval_seconds = 1
  job_timeout_minutes    = 15
  create_alert_topic     = true
  create_alarm_topic     = true # the e2e test subscribes to it
  schedule_expression    = "cron(30 23 * * ? *)"
  force_destroy          = true
  log_retention_days     = 7
  job_overrides = {
    t0_fact = { number_of_workers = 4 }
  }
  tags = { Project = "glue-medallion-e2e" }
}

resource "aws_sqs_queue" "alerts" {
  name                    = "${var.name}-alerts"
  sqs_managed_sse_enabled = true
}

resource "aws_sns_topic_subscription" "alerts" {
  topic_arn            = module.glue_medallion.alert_topic_arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.alerts.arn
  raw_message_delivery = true
}

resource "aws_sqs_queue_policy" "alerts" {
  queue_url = aws_sqs_queue.alerts.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.alerts.arn
      Condition = { ArnEquals = { "aws:SourceArn" = module.glue_medallion.alert_topic_arn } }
    }]
  })
}

output "glue_medallion" {
  value = module.glue_medallion
}

output "alert_queue_url" {
  value = aws_sqs_queue.alerts.id
}
