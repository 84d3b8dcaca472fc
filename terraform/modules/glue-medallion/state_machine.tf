# The spec's state machine: T0 bronze (dimension and fact jobs in parallel) -> T1 silver (full
# join) -> T2 gold (four marts in parallel). Each job runs with glue:startJobRun.sync, then its
# crawler starts and GetCrawler is polled (Choice on the crawler's State, Wait) until READY.
# The execution input {"run_date": "YYYY-MM-DD"} (default: the day the execution starts, UTC)
# is passed to every job as --run_date.

locals {
  alerting = var.create_alert_topic || var.alert_topic_arn != null
  # Built from the topic's name, which the plan knows: the definition shows in the first plan.
  alert_topic_arn = var.create_alert_topic ? "arn:${local.partition}:sns:${local.region}:${local.account_id}:${aws_sns_topic.alerts[0].name}" : var.alert_topic_arn

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

module "state_machine" {
  source = "../state-machine"
  name   = var.name
  definition = templatefile("${path.module}/state_machine.asl.json", {
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
  })
  description = "Execution role of the ${var.name} medallion state machine"
  policy_statements = concat(
    [
      {
        sid       = "RunJobs"
        actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
        resources = [for job in aws_glue_job.this : job.arn]
      },
      {
        sid       = "RunCrawlers"
        actions   = ["glue:StartCrawler", "glue:GetCrawler"]
        resources = [for crawler in aws_glue_crawler.this : crawler.arn]
      },
    ],
    local.alerting ? [{ sid = "PublishAlerts", actions = ["sns:Publish"], resources = [local.alert_topic_arn] }] : [],
    local.alerting && var.kms_key_arn != null ? [
      { sid = "EncryptAlerts", actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = [var.kms_key_arn] }
    ] : [],
  )
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
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
  arn      = module.state_machine.arn
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
      Resource = [module.state_machine.arn]
    }]
  })
}
