output "state_machine_arn" {
  description = "ARN of the medallion state machine; start it with {\"run_date\": \"YYYY-MM-DD\"} (or {} for today, UTC)."
  value       = module.state_machine.arn
}

output "state_machine_name" {
  description = "Name of the medallion state machine."
  value       = module.state_machine.name
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's execution role."
  value       = module.state_machine.role_arn
}

output "state_machine_role_name" {
  description = "Name of the state machine's execution role, to attach further policies to."
  value       = module.state_machine.role_name
}

output "source_bucket" {
  description = "Name of the bucket of the raw CSV data (source_prefix + customers|products|sales/dt=YYYY-MM-DD/; created or existing)."
  value       = local.source_name
}

output "source_bucket_arn" {
  description = "ARN of the source bucket."
  value       = local.source_arn
}

output "source_prefix" {
  description = "Key prefix of the raw data."
  value       = var.source_prefix
}

output "lake_bucket" {
  description = "Name of the bucket of the bronze, silver and gold tables (created or existing)."
  value       = local.lake_name
}

output "lake_bucket_arn" {
  description = "ARN of the lake bucket."
  value       = local.lake_arn
}

output "assets_bucket" {
  description = "Name of the bucket of the job scripts (scripts/)."
  value       = module.assets_bucket.id
}

output "assets_bucket_arn" {
  description = "ARN of the assets bucket."
  value       = module.assets_bucket.arn
}

output "table_paths" {
  description = "S3 folder of every table (raw sources included), each holding dt=YYYY-MM-DD partitions."
  value       = local.paths
}

output "database_names" {
  description = "Glue catalog database of each tier: bronze, silver, gold."
  value       = { for tier, db in aws_glue_catalog_database.tier : tier => db.name }
}

output "tables" {
  description = "Catalog tables the crawlers maintain, by tier (named after their S3 folders)."
  value = {
    bronze = ["customers", "products", "sales"]
    silver = ["purchase_all"]
    gold   = local.marts
  }
}

output "job_names" {
  description = "Glue job names by job key (t0_dimension, t0_fact, t1_fulljoin, t2_<mart>)."
  value       = { for key, job in aws_glue_job.this : key => job.name }
}

output "crawler_names" {
  description = "Glue crawler names by job key (one crawler per job, one S3 target per output table)."
  value       = { for key, crawler in aws_glue_crawler.this : key => crawler.name }
}

output "job_arns" {
  description = "Glue job ARNs by job key."
  value       = { for key, job in aws_glue_job.this : key => job.arn }
}

output "crawler_arns" {
  description = "Glue crawler ARNs by job key."
  value       = { for key, crawler in aws_glue_crawler.this : key => crawler.arn }
}

output "job_role_arns" {
  description = "Role ARNs of the jobs by job key."
  value       = { for key, role in aws_iam_role.job : key => role.arn }
}

output "job_role_names" {
  description = "Role names of the jobs by job key."
  value       = { for key, role in aws_iam_role.job : key => role.name }
}

output "crawler_role_arn" {
  description = "Role ARN shared by the crawlers."
  value       = aws_iam_role.crawler.arn
}

output "crawler_role_name" {
  description = "Role name shared by the crawlers."
  value       = aws_iam_role.crawler.name
}

output "alert_topic_arn" {
  description = "SNS topic told about failed executions (null when alerts are off)."
  value       = local.alerting ? local.alert_topic_arn : null
}

output "alert_topic_name" {
  description = "Name of that topic (<name>-alerts when created; null when alerts are off)."
  value       = local.alerting ? element(split(":", local.alert_topic_arn), 5) : null
}

output "schedule_rule_arn" {
  description = "EventBridge rule starting the pipeline on schedule_expression (null without a schedule)."
  value       = var.schedule_expression == null ? null : aws_cloudwatch_event_rule.schedule[0].arn
}

output "schedule_rule_name" {
  description = "Name of the schedule rule, <name>-schedule (null without a schedule)."
  value       = one(aws_cloudwatch_event_rule.schedule[*].name)
}

output "schedule_role_arn" {
  description = "ARN of the role the schedule starts executions with (null without a schedule)."
  value       = one(aws_iam_role.schedule[*].arn)
}

output "schedule_role_name" {
  description = "Name of the role the schedule starts executions with (null without a schedule)."
  value       = one(aws_iam_role.schedule[*].name)
}

output "job_failures_rule_arn" {
  description = "ARN of the EventBridge rule matching this workflow's failed Glue job runs, <name>-glue-job-failures (null with alarms off)."
  value       = one(aws_cloudwatch_event_rule.job_failures[*].arn)
}

output "job_failures_rule_name" {
  description = "Name of the rule matching this workflow's failed Glue job runs (null with alarms off)."
  value       = one(aws_cloudwatch_event_rule.job_failures[*].name)
}

output "log_group_name" {
  description = "Log group of the state machine."
  value       = module.state_machine.log_group_name
}

output "log_group_names" {
  description = "Every CloudWatch Logs group the module creates (the state machine's): what a key policy letting CloudWatch Logs use kms_key_arn must cover. Glue itself creates its jobs' and crawlers' groups under /aws-glue/ and encrypts them with the security configuration's key."
  value       = [module.state_machine.log_group_name]
}

output "alarm_names" {
  description = "CloudWatch alarms by what they watch (main-executions-failed, glue-job-failures-matched, ...)."
  value       = module.monitoring.alarm_names
}

output "alarm_topic_arn" {
  description = "The alarm topic created by create_alarm_topic (null without it)."
  value       = module.monitoring.topic_arn
}

output "alarm_topic_name" {
  description = "Name of the alarm topic created by create_alarm_topic, <name>-alarms (null without it)."
  value       = module.monitoring.topic_name
}

output "dashboard_name" {
  description = "The CloudWatch dashboard (null when dashboard_enabled is false)."
  value       = module.monitoring.dashboard_name
}
