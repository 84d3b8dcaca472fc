# One customer-managed key for the four workflows: buckets, queues, topics, tables, log groups,
# Glue output and Lambda environment variables. S3, SQS, SNS publishing, DynamoDB and Glue use
# it with the caller's permissions (the modules grant their roles kms:Decrypt and
# kms:GenerateDataKey on it); the key policy adds only the services acting on their own behalf.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  log_arn    = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group"
  alarm_arns = "arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:${var.name_prefix}-*"

  # The log groups the modules create (their log_group_names outputs; tests/complete.tftest.hcl
  # fails if one is not covered): functions, state machines, SNS delivery status, rider-photo's
  # HTTP API access log; and the groups Glue creates for the jobs and crawlers (their security
  # configuration encrypts them with this key). CloudWatch Logs refuses CreateLogGroup with a
  # key whose policy does not let it use the key for that group ("Encrypt log data in CloudWatch
  # Logs using AWS KMS", CloudWatch Logs User Guide).
  encrypted_log_groups = [
    "${local.log_arn}:/aws/lambda/${var.name_prefix}-*",
    "${local.log_arn}:/aws/vendedlogs/states/${var.name_prefix}-*",
    "${local.log_arn}:sns/${local.region}/${local.account_id}/${var.name_prefix}-*",
    "${local.log_arn}:/aws/apigateway/${var.name_prefix}-*",
    "${local.log_arn}:/aws-glue/*",
  ]
}

resource "aws_kms_key" "workflows" {
  description             = "${var.name_prefix} workflows: buckets, queues, topics, tables, logs, Lambda environment"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's default key policy statement: IAM policies of this account decide who uses the
        # key. Without it the key can become unmanageable.
        Sid       = "AccountIamPolicies"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*" # in a key policy, "*" is this key
      },
      {
        Sid       = "CloudWatchLogsEncryptTheWorkflowsLogGroups"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        # The CloudWatch Logs guide's statement less its kms:Describe*: DescribeKey carries no
        # encryption context, so under this condition it was never allowed (scripts/policy_lint.py).
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = local.encrypted_log_groups } }
      },
      {
        # SNS delivers to the fan-out's encrypted queues as itself.
        Sid       = "SnsDeliverToEncryptedQueues"
        Effect    = "Allow"
        Principal = { Service = "sns.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${var.name_prefix}-*" }
        }
      },
      {
        # EventBridge sends the uploads rules' undeliverable events to their encrypted
        # dead-letter queues as itself ("Using dead-letter queues to process undelivered events",
        # EventBridge User Guide).
        Sid       = "EventBridgeDeadLetterUploads"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name_prefix}-*" }
        }
      },
      {
        # CloudWatch publishes the workflows' alarms to the encrypted operations topic as itself.
        Sid       = "CloudWatchAlarmsEncrypt"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:Decrypt"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = local.alarm_arns }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "workflows" {
  name          = "alias/${var.name_prefix}-workflows"
  target_key_id = aws_kms_key.workflows.key_id
}
