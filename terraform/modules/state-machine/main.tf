data "aws_caller_identity" "current" {}

locals {
  # Statements are built with jsonencode() rather than aws_iam_policy_document so that plans are
  # canonical and `terraform test` with mocked providers sees valid JSON.
  log_delivery_statement = {
    # CloudWatch Logs delivery APIs have no resource-level permissions.
    Sid    = "DeliverExecutionLogs"
    Effect = "Allow"
    Action = [
      "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
    ]
    Resource = ["*"]
  }
  tracing_statement = var.tracing_enabled ? [{
    Sid      = "WriteTraces"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    Resource = ["*"] # X-Ray offers no resource-level permissions
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

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days (default 30); a year of execution logs is cost without a requirement
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name        = "${var.name}-states"
  description = coalesce(var.description, "Execution role of the ${var.name} state machine")
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Only this account's state machines may assume the role (confused deputy).
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat(local.caller_statements, [local.log_delivery_statement], local.tracing_statement)
  })
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_284:X-Ray is opt-in (tracing_enabled); traces cost per state transition
  #checkov:skip=CKV_AWS_285:Execution data is opt-in (include_execution_data): the execution history already keeps inputs and outputs, which may carry personal data
  name     = var.name
  role_arn = aws_iam_role.this.arn
  # Re-encoded so that the caller's formatting never shows as a diff.
  definition = jsonencode(jsondecode(var.definition))

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = var.include_execution_data
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = var.tracing_enabled
  }

  tags = var.tags

  # The role must be able to act before the first execution starts.
  depends_on = [aws_iam_role_policy.this]
}
