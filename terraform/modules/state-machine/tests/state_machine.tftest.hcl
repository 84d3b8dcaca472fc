# Plan-level checks of the state-machine module with a mocked AWS provider: no credentials, no
# endpoint. ARNs are mocked at plan time as AWS would name them.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/orders" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/orders-states" }
  }
}

variables {
  name = "orders"
  definition = jsonencode({
    StartAt = "Charge"
    States = { Charge = {
      Type     = "Task"
      Resource = "arn:aws:states:::lambda:invoke"
      End      = true
    } }
  })
  policy_statements = [{
    sid       = "InvokeCharge"
    actions   = ["lambda:InvokeFunction"]
    resources = ["arn:aws:lambda:eu-west-1:111122223333:function:orders-charge"]
  }]
}

run "defaults" {
  command = plan

  assert {
    condition = (
      aws_sfn_state_machine.this.name == "orders" && aws_iam_role.this.name == "orders-states" &&
      aws_iam_role.this.description == "Execution role of the orders state machine" &&
      aws_sfn_state_machine.this.role_arn == "arn:aws:iam::111122223333:role/orders-states"
    )
    error_message = "The state machine and its role are named from name, and it runs as that role."
  }
  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition) == jsondecode(var.definition)
    error_message = "The definition is deployed as given."
  }
  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = "111122223333" } }
    }]
    error_message = "Only Step Functions, for this account, may assume the role."
  }
  assert {
    condition = (
      aws_cloudwatch_log_group.this.name == "/aws/vendedlogs/states/orders" &&
      aws_cloudwatch_log_group.this.retention_in_days == 30 && aws_cloudwatch_log_group.this.kms_key_id == null &&
      one(aws_sfn_state_machine.this.logging_configuration) == {
        log_destination        = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/vendedlogs/states/orders:*"
        level                  = "ERROR"
        include_execution_data = false
      }
    )
    error_message = "Errors are logged, without execution data, to the machine's own log group with retention."
  }
  assert {
    condition     = !one(aws_sfn_state_machine.this.tracing_configuration).enabled
    error_message = "Tracing is off unless asked for."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement[0] == {
      Sid      = "InvokeCharge"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = ["arn:aws:lambda:eu-west-1:111122223333:function:orders-charge"]
    }
    error_message = "The caller's statements come first, as given."
  }
  assert {
    condition = [for s in jsondecode(output.policy).Statement : s.Sid if contains(s.Resource, "*")] == ["DeliverExecutionLogs"] && alltrue([
      for a in jsondecode(output.policy).Statement[1].Action : startswith(a, "logs:")
    ])
    error_message = "The \"*\" resource is used only for the log delivery APIs, which have no resource-level permissions."
  }
}

run "options" {
  command = plan

  variables {
    description            = "Runs the orders workflow"
    log_level              = "ALL"
    include_execution_data = true
    tracing_enabled        = true
    log_retention_days     = 90
    kms_key_arn            = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    tags                   = { Team = "orders" }
    policy_statements = [{
      actions    = ["iam:PassRole"]
      resources  = ["arn:aws:iam::111122223333:role/orders-jobs"]
      conditions = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["mediaconvert.amazonaws.com"] }]
    }]
  }

  assert {
    condition = (
      aws_iam_role.this.description == "Runs the orders workflow" &&
      one(aws_sfn_state_machine.this.logging_configuration).level == "ALL" &&
      one(aws_sfn_state_machine.this.logging_configuration).include_execution_data &&
      one(aws_sfn_state_machine.this.tracing_configuration).enabled &&
      aws_cloudwatch_log_group.this.retention_in_days == 90 && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    )
    error_message = "Description, log level, execution data, tracing, retention and key are the caller's."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement[0] == {
      Sid       = "Statement0"
      Effect    = "Allow"
      Action    = ["iam:PassRole"]
      Resource  = ["arn:aws:iam::111122223333:role/orders-jobs"]
      Condition = { StringEquals = { "iam:PassedToService" = ["mediaconvert.amazonaws.com"] } }
    }
    error_message = "A statement without sid is numbered; its conditions become the Condition block."
  }
  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid] == ["Statement0", "DeliverExecutionLogs", "WriteTraces"]
    error_message = "With tracing, the role may also write traces."
  }
  assert {
    condition     = alltrue([for resource in [aws_sfn_state_machine.this, aws_iam_role.this, aws_cloudwatch_log_group.this] : resource.tags == var.tags])
    error_message = "Every resource is tagged."
  }
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    name               = "orders workflow"
    definition         = "{\"States\": {}}"
    log_level          = "DEBUG"
    log_retention_days = 42
    policy_statements  = [{ actions = ["*"], resources = ["*"] }]
  }

  expect_failures = [var.name, var.definition, var.log_level, var.log_retention_days, var.policy_statements]
}
