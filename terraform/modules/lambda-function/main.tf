data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  # The ARN Lambda gives the function, from names the plan knows (the function's own name keeps
  # the dependency on it): callers' state machine definitions and policies show in the first
  # plan instead of "(known after apply)".
  function_arn = "arn:${data.aws_partition.current.partition}:lambda:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:function:${aws_lambda_function.this.function_name}"

  # Statements are built with jsonencode() rather than aws_iam_policy_document so that plans are
  # canonical and `terraform test` with mocked providers sees valid JSON.
  logging_statement = {
    Sid      = "WriteOwnLogs"
    Effect   = "Allow"
    Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }
  dead_letter_target_arn = var.create_dead_letter_queue ? aws_sqs_queue.dead_letter[0].arn : var.dead_letter_target_arn
  dead_letter_statement = local.dead_letter_target_arn == null ? [] : [{
    Sid      = "SendToDeadLetterTarget"
    Effect   = "Allow"
    Action   = [var.create_dead_letter_queue || startswith(coalesce(var.dead_letter_target_arn, "-"), "arn:${data.aws_partition.current.partition}:sqs:") ? "sqs:SendMessage" : "sns:Publish"]
    Resource = [local.dead_letter_target_arn]
  }]
  # Sending to the queue encrypted with the caller's key needs the key too.
  dead_letter_key_statement = var.create_dead_letter_queue && var.kms_key_arn != null ? [{
    Sid      = "EncryptDeadLetters"
    Effect   = "Allow"
    Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
    Resource = [var.kms_key_arn]
  }] : []
  tracing_statement = var.tracing_mode == "Active" ? [{
    Sid      = "WriteTraces"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    Resource = ["*"] # X-Ray offers no resource-level permissions for these actions
  }] : []
  caller_statements = [
    for index, s in var.policy_statements : merge(
      {
        Sid      = coalesce(s.sid, "Statement${index}")
        Effect   = "Allow"
        Action   = s.actions
        Resource = s.resources
      },
      length(s.conditions) == 0 ? {} : {
        Condition = {
          for test in distinct([for c in s.conditions : c.test]) : test => {
            for c in s.conditions : c.variable => c.values if c.test == test
          }
        }
      }
    )
  ]
}

resource "aws_iam_role" "this" {
  name        = "${var.function_name}-lambda"
  description = "Execution role of the ${var.function_name} Lambda function"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [local.logging_statement],
      local.dead_letter_statement,
      local.dead_letter_key_statement,
      local.tracing_statement,
      local.caller_statements,
    )
  })
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days (default 30); a year of function logs is cost without a requirement
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_s3_object" "package" {
  count = var.package_upload == null ? 0 : 1

  bucket      = var.package_upload.bucket
  key         = "lambda/${var.function_name}/${filesha256(var.filename)}.zip"
  source      = var.filename
  source_hash = filesha256(var.filename)
  tags        = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The functions call only AWS service APIs; a VPC would add NAT or endpoints and ENI permissions for nothing
  #checkov:skip=CKV_AWS_50:X-Ray is opt-in (tracing_mode); traces cost per request
  #checkov:skip=CKV_AWS_272:Code signing is opt-in (code_signing_config_arn); make package builds reproducible zips pinned by source_code_hash
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  filename                       = var.package_upload == null ? var.filename : null
  s3_bucket                      = one(aws_s3_object.package[*].bucket)
  s3_key                         = one(aws_s3_object.package[*].key)
  source_code_hash               = filebase64sha256(var.filename)
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = [var.architecture]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  layers                         = var.layers
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  ephemeral_storage {
    size = var.ephemeral_storage
  }

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [var.environment] : []
    content {
      variables = environment.value
    }
  }

  dynamic "dead_letter_config" {
    for_each = local.dead_letter_target_arn == null ? [] : [local.dead_letter_target_arn]
    content {
      target_arn = dead_letter_config.value
    }
  }

  dynamic "tracing_config" {
    for_each = var.tracing_mode == null ? [] : [var.tracing_mode]
    content {
      mode = tracing_config.value
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The role's permissions must exist before the first invocation can write logs.
  depends_on = [aws_iam_role_policy.this]
}

# Events of asynchronous invocations (S3 notifications, Event invokes) that still fail after
# Lambda's retries land here instead of being dropped.
resource "aws_sqs_queue" "dead_letter" {
  count                             = var.create_dead_letter_queue ? 1 : 0
  name                              = "${var.function_name}-dlq"
  message_retention_seconds         = 1209600 # 14 days, the most SQS keeps a message
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags

  lifecycle {
    precondition {
      condition     = var.dead_letter_target_arn == null
      error_message = "Set create_dead_letter_queue or dead_letter_target_arn, not both."
    }
  }
}
