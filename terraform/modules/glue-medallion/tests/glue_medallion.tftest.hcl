# Plan-level checks of the glue-medallion module with a mocked AWS provider: no credentials, no
# endpoint. ARNs the policies are built from are mocked at plan time as AWS would name them.
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
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/retail" }
  }
  mock_resource "aws_glue_job" {
    defaults = { arn = "arn:aws:glue:eu-west-1:111122223333:job/retail-job" }
  }
  mock_resource "aws_glue_crawler" {
    defaults = { arn = "arn:aws:glue:eu-west-1:111122223333:crawler/retail-crawler" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:111122223333:retail-alerts" }
  }
}

variables {
  name = "retail"
}

run "defaults" {
  command = plan

  assert {
    condition = (
      module.state_machine.name == "retail" &&
      output.source_bucket == "retail-source" && output.lake_bucket == "retail-lake" &&
      output.database_names == { bronze = "retail_bronze", silver = "retail_silver", gold = "retail_gold" } &&
      output.job_names.t0_fact == "retail-t0-fact" && output.crawler_names.t1_fulljoin == "retail-t1-fulljoin" &&
      aws_iam_role.job["t2_salesbycustomer"].name == "retail-t2-salesbycustomer-job"
    )
    error_message = "Every resource is named from the prefix."
  }
  assert {
    condition     = alltrue([for job in aws_glue_job.this : job.security_configuration == aws_glue_security_configuration.this.name])
    error_message = "Every job runs with the module's security configuration."
  }
  assert {
    condition     = one(one(aws_glue_security_configuration.this.encryption_configuration).s3_encryption).s3_encryption_mode == "SSE-S3"
    error_message = "Job output is encrypted at rest (SSE-S3 without a key)."
  }
  assert {
    condition     = output.log_group_name == "/aws/vendedlogs/states/retail"
    error_message = "The state machine logs to its own log group (retention and contents: state-machine's tests)."
  }
  assert {
    # Spark's S3 filesystem HEADs the table folder's own key and lists <dir>/ before writing,
    # EMRFS (Glue's s3://) writes the marker <dir>_$folder$, and mkdirs probes the parents
    # (Hadoop S3A innerMkdirs; AWS Knowledge Center "emr-s3-empty-files"): with objects under
    # bronze/sales/* only, those calls got 403 and the first run failed.
    condition = [for s in jsondecode(aws_iam_role_policy.job["t0_fact"].policy).Statement : s if s.Sid != "ReadScripts" && !startswith(s.Action[0], "logs:") && !startswith(s.Action[0], "cloudwatch:")] == [
      { Sid = "ReadInputs", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::retail-source/raw/sales/*"] },
      {
        Sid      = "WriteOutputs"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["arn:aws:s3:::retail-lake/bronze/sales", "arn:aws:s3:::retail-lake/bronze/sales/*", "arn:aws:s3:::retail-lake/bronze/sales_$folder$"]
      },
      { Sid = "ProbeOutputParents", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::retail-lake/bronze", "arn:aws:s3:::retail-lake/bronze_$folder$"] },
      {
        Sid       = "ListRetailLake"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::retail-lake"]
        Condition = { StringLike = { "s3:prefix" = ["bronze/sales/*", "bronze/sales", "bronze/", "bronze"] } }
      },
      {
        Sid       = "ListRetailSource"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::retail-source"]
        Condition = { StringLike = { "s3:prefix" = ["raw/sales/*"] } }
      },
    ]
    error_message = "A job reads its own inputs' partitions, writes its own table (folder key, contents, EMRFS marker), and may only probe the table's parent folders."
  }
  assert {
    condition = alltrue(flatten([
      for p in concat([aws_iam_role_policy.crawler.policy, module.state_machine.policy], [for r in aws_iam_role_policy.job : r.policy]) : [
        for s in jsondecode(p).Statement : !contains(s.Action, "*") && (
          !contains(s.Resource, "*") || s.Sid == "DeliverExecutionLogs" ||
          (s.Action == ["cloudwatch:PutMetricData"] && try(s.Condition, null) == { StringEquals = { "cloudwatch:namespace" = "Glue" } })
        )
      ]
    ]))
    error_message = "No \"*\" action; the \"*\" resource only for log delivery and Glue's metrics namespace."
  }
  assert {
    condition = [
      for s in jsondecode(module.state_machine.policy).Statement : length(s.Resource) if s.Sid == "RunJobs" || s.Sid == "RunCrawlers"
    ] == [7, 7]
    error_message = "The state machine runs its own seven jobs and crawlers."
  }
  assert {
    condition     = toset(keys(output.alarm_names)) == toset(["main-executions-failed", "main-executions-timed-out", "main-executions-aborted", "glue-job-failures-matched"])
    error_message = "Executions and failed Glue job runs are watched."
  }
  assert {
    condition     = output.alarm_topic_arn == null && output.dashboard_name == var.name
    error_message = "A dashboard named after the workflow; no alarm topic unless asked for."
  }
}

run "lake_prefix_parents_are_probed_not_written" {
  command = plan

  variables {
    lake_prefix = "lake/"
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.job["t1_fulljoin"].policy).Statement : s.Resource if s.Sid == "ProbeOutputParents"] == [[
      "arn:aws:s3:::retail-lake/lake", "arn:aws:s3:::retail-lake/lake_$folder$",
      "arn:aws:s3:::retail-lake/lake/silver", "arn:aws:s3:::retail-lake/lake/silver_$folder$",
    ]]
    error_message = "Every parent folder of the output table may be probed (HEAD) under a lake prefix."
  }
  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.job["t1_fulljoin"].policy).Statement : s.Condition.StringLike["s3:prefix"] if s.Sid == "ListRetailLake"] == [[
      "lake/bronze/sales/*", "lake/bronze/customers/*", "lake/bronze/products/*",
      "lake/silver/purchase_all/*", "lake/silver/purchase_all", "lake/", "lake", "lake/silver/", "lake/silver",
    ]]
    error_message = "The lake may be listed under the job's tables, and at its output's exact parent prefixes only."
  }
}

run "alerts_encrypted_without_a_key" {
  command = plan

  variables {
    create_alert_topic = true
  }

  assert {
    condition     = aws_sns_topic.alerts[0].name == "retail-alerts" && aws_sns_topic.alerts[0].kms_master_key_id == "alias/aws/sns"
    error_message = "The alert topic is encrypted with the AWS-managed key when no key is given."
  }
}

run "customer_managed_key_and_alerts" {
  command = plan

  variables {
    kms_key_arn        = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    create_alert_topic = true
  }

  assert {
    condition = [
      for c in [one(aws_glue_security_configuration.this.encryption_configuration)] : [
        one(c.s3_encryption).s3_encryption_mode, one(c.s3_encryption).kms_key_arn,
        one(c.cloudwatch_encryption).cloudwatch_encryption_mode, one(c.cloudwatch_encryption).kms_key_arn,
        one(c.job_bookmarks_encryption).job_bookmarks_encryption_mode, one(c.job_bookmarks_encryption).kms_key_arn,
      ]
    ][0] == ["SSE-KMS", var.kms_key_arn, "SSE-KMS", var.kms_key_arn, "CSE-KMS", var.kms_key_arn]
    error_message = "The key encrypts job output, Glue logs and bookmarks."
  }
  assert {
    condition     = aws_sns_topic.alerts[0].kms_master_key_id == var.kms_key_arn
    error_message = "The key encrypts the alert topic."
  }
  assert {
    condition = contains(jsondecode(module.state_machine.policy).Statement, {
      Sid = "PublishAlerts", Effect = "Allow", Action = ["sns:Publish"], Resource = ["arn:aws:sns:eu-west-1:111122223333:retail-alerts"]
    })
    error_message = "The state machine publishes failures to its alert topic only."
  }
}

# Also: two alert topics are refused, and an existing bucket needs its name.
run "rejects_invalid_settings" {
  command = plan

  variables {
    name                 = "Retail_Lake"
    source_prefix        = "/raw"
    glue_version         = "2.0"
    worker_type          = "Standard"
    number_of_workers    = 1
    execution_class      = "SPOT"
    schedule_expression  = "every day"
    log_retention_days   = 42
    kms_key_arn          = "alias/retail"
    create_alert_topic   = true
    alert_topic_arn      = "arn:aws:sns:eu-west-1:111122223333:data-alerts"
    create_source_bucket = false
    create_lake_bucket   = false
  }

  expect_failures = [
    var.name, var.source_prefix, var.glue_version, var.worker_type, var.number_of_workers,
    var.execution_class, var.schedule_expression, var.log_retention_days, var.kms_key_arn,
    var.alert_topic_arn, var.source_bucket_name, var.lake_bucket_name,
  ]
}

run "existing_buckets" {
  command = plan

  variables {
    create_source_bucket = false
    source_bucket_name   = "shop-exports"
    create_lake_bucket   = false
    lake_bucket_name     = "data-lake"
    lake_prefix          = "retail/"
  }

  # An existing bucket is read at plan (the local AWS e2e shows a wrong name failing there).
  override_data {
    target = data.aws_s3_bucket.source[0]
    values = { id = "shop-exports", arn = "arn:aws:s3:::shop-exports" }
  }
  override_data {
    target = data.aws_s3_bucket.lake[0]
    values = { id = "data-lake", arn = "arn:aws:s3:::data-lake" }
  }

  assert {
    condition = (
      length(module.source_bucket) == 0 && length(module.lake_bucket) == 0 &&
      output.source_bucket_arn == "arn:aws:s3:::shop-exports" && output.lake_bucket_arn == "arn:aws:s3:::data-lake" &&
      output.table_paths.source_sales == "s3://shop-exports/raw/sales/" &&
      output.table_paths.bronze_sales == "s3://data-lake/retail/bronze/sales/"
    )
    error_message = "Existing buckets are used, not created, and the tables live in them."
  }
}

run "outputs_for_the_wiring" {
  command = plan

  variables {
    create_alert_topic  = true
    schedule_expression = "rate(1 day)"
  }

  assert {
    condition = (
      output.source_bucket_arn == "arn:aws:s3:::retail-source" && output.lake_bucket_arn == "arn:aws:s3:::retail-lake" &&
      output.assets_bucket_arn == "arn:aws:s3:::retail-glue-assets" &&
      output.alert_topic_name == "retail-alerts" && output.schedule_rule_name == "retail-schedule" &&
      output.schedule_role_name == "retail-schedule" && output.job_failures_rule_name == "retail-glue-job-failures" &&
      output.crawler_role_name == "retail-crawler" && output.job_role_names.t0_fact == "retail-t0-fact-job" &&
      output.state_machine_role_name == "retail-states"
    )
    error_message = "Name and ARN of every bucket, topic, rule and role are outputs."
  }
}

run "alarms_and_dashboard_switched_off" {
  command = plan

  variables {
    alarms_enabled    = false
    dashboard_enabled = false
  }

  assert {
    condition     = length(output.alarm_names) == 0 && output.dashboard_name == null
    error_message = "alarms_enabled and dashboard_enabled switch the alarms and the dashboard off."
  }
}
