# The spec's state machine: T0 bronze (dimension and fact jobs in parallel) -> T1 silver (full
# join) -> T2 gold (four marts in parallel). Each job runs with glue:startJobRun.sync, then its
# crawler starts and GetCrawler is polled (Choice on the crawler's State, Wait) until READY.
# The execution input {"run_date": "YYYY-MM-DD"} (default: the day the execution starts, UTC)
# is passed to every job as --run_date.

locals {
  alerting        = var.create_alert_topic || var.alert_topic_arn != null
  alert_topic_arn = var.create_alert_topic ? aws_sns_topic.alerts[0].arn : var.alert_topic_arn

  # Throttling and concurrency limits pass; anything else (a failed job) fails at once.
  glue_retry = {
    ErrorEquals = [
      "Glue.ConcurrentRunsExceededException", "Glue.ThrottlingException",
      "Glue.InternalServiceException", "Glue.OperationTimeoutException",
      "Glue.ResourceNumberLimitExceededException",
    ]
    IntervalSeconds = var.retry_interval_seconds
    MaxAttempts     = 6
    BackoffRate     = 2
    JitterStrategy  = "FULL"
  }
  # A crawler still busy (e.g. with an overlapping run) is waited for the same way.
  crawler_retry = merge(local.glue_retry, {
    ErrorEquals = concat(local.glue_retry.ErrorEquals, ["Glue.CrawlerRunningException"])
  })

  # Each tier is a Parallel state of its jobs (T1 has one), each job followed by its crawler.
  tiers = [
    { name = "T0 Bronze", next = "T1 Silver", keys = ["t0_dimension", "t0_fact"], comment = "Raw CSV of the run date -> typed, validated Parquet" },
    { name = "T1 Silver", next = "T2 Gold", keys = ["t1_fulljoin"], comment = "Every sale of the run date with its customer and product" },
    { name = "T2 Gold", next = "Published", keys = [for mart in local.marts : "t2_${mart}"], comment = "The four marts of the run date" },
  ]
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days (default 30); a year of error logs is cost without a requirement
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "state_machine" {
  name        = "${var.name}-states"
  description = "Execution role of the ${var.name} medallion state machine"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "least-privilege"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "RunJobs"
          Effect   = "Allow"
          Action   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
          Resource = [for job in aws_glue_job.this : job.arn]
        },
        {
          Sid      = "RunCrawlers"
          Effect   = "Allow"
          Action   = ["glue:StartCrawler", "glue:GetCrawler"]
          Resource = [for crawler in aws_glue_crawler.this : crawler.arn]
        },
        {
          # CloudWatch Logs delivery APIs have no resource-level permissions.
          Sid    = "DeliverExecutionLogs"
          Effect = "Allow"
          Action = [
            "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
            "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
            "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          ]
          Resource = ["*"]
        },
      ],
      local.alerting ? [{
        Sid      = "PublishAlerts"
        Effect   = "Allow"
        Action   = ["sns:Publish"]
        Resource = [local.alert_topic_arn]
      }] : [],
      local.alerting && var.kms_key_arn != null ? [{
        Sid      = "EncryptAlerts"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = [var.kms_key_arn]
      }] : [],
    )
  })
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_284:X-Ray would trace only the Glue API calls; job runs report to CloudWatch (enable_observability)
  #checkov:skip=CKV_AWS_285:Logs errors without execution data on purpose: the execution history keeps inputs and outputs
  name     = var.name
  role_arn = aws_iam_role.state_machine.arn
  # Rendered from the ASL template and re-encoded so formatting never causes a diff.
  definition = jsonencode(jsondecode(templatefile("${path.module}/state_machine.asl.json", {
    name                 = var.name
    partition            = local.partition
    crawler_poll_seconds = var.crawler_poll_seconds
    glue_retry           = jsonencode(local.glue_retry)
    crawler_retry        = jsonencode(local.crawler_retry)
    databases            = jsonencode(local.databases)
    alert_topic_arn      = local.alerting ? local.alert_topic_arn : null
    after_failure        = local.alerting ? "Notify failure" : "Pipeline failed"
    tiers = [for tier in local.tiers : merge(tier, {
      jobs = [for key in tier.keys : {
        key          = key
        description  = local.jobs[key].description
        job_name     = aws_glue_job.this[key].name
        crawler_name = aws_glue_crawler.this[key].name
      }]
    })]
  })))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !(var.create_alert_topic && var.alert_topic_arn != null)
      error_message = "Set create_alert_topic or alert_topic_arn, not both."
    }
    precondition {
      condition     = (var.create_source_bucket || var.source_bucket_name != null) && (var.create_lake_bucket || var.lake_bucket_name != null)
      error_message = "An existing source or lake bucket needs its name: set source_bucket_name / lake_bucket_name."
    }
  }

  depends_on = [aws_iam_role_policy.state_machine]
}

# --- failure alerts ------------------------------------------------------------------------

resource "aws_sns_topic" "alerts" {
  count             = var.create_alert_topic ? 1 : 0
  name              = "${var.name}-alerts"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns") # encrypted at rest either way
  tags              = var.tags
}

# --- schedule ------------------------------------------------------------------------------

resource "aws_cloudwatch_event_rule" "schedule" {
  count               = var.schedule_expression == null ? 0 : 1
  name                = "${var.name}-schedule"
  description         = "Starts the ${var.name} medallion pipeline for the current date (UTC)"
  schedule_expression = var.schedule_expression
  tags                = var.tags
}

resource "aws_cloudwatch_event_target" "schedule" {
  count    = var.schedule_expression == null ? 0 : 1
  rule     = aws_cloudwatch_event_rule.schedule[0].name
  arn      = aws_sfn_state_machine.this.arn
  role_arn = aws_iam_role.schedule[0].arn
  input    = jsonencode({}) # no run_date: the execution takes the day it starts
}

resource "aws_iam_role" "schedule" {
  count       = var.schedule_expression == null ? 0 : 1
  name        = "${var.name}-schedule"
  description = "Lets EventBridge start the ${var.name} medallion state machine"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "schedule" {
  count = var.schedule_expression == null ? 0 : 1
  name  = "start-execution"
  role  = aws_iam_role.schedule[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StartPipeline"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = [aws_sfn_state_machine.this.arn]
    }]
  })
}
