# Plan-level checks of the function module with a mocked AWS provider: no credentials, no endpoint.
# Computed ARNs are mocked at plan time so the rendered IAM policy can be compared as a whole.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders-resize" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::111122223333:role/orders-resize-lambda" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-west-1:111122223333:orders-resize-dlq"
      url = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-resize-dlq"
    }
  }
}

variables {
  function_name = "orders-resize"
  filename      = "../../../build/lambda/media_start.zip" # `make package`
  handler       = "media_start.handler.lambda_handler"
  policy_statements = [{
    actions   = ["s3:GetObject"]
    resources = ["arn:aws:s3:::orders-uploads/incoming/*"]
  }]
}

run "defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.function_name == "orders-resize" && aws_iam_role.this.name == "orders-resize-lambda"
    error_message = "The function and its role are named from function_name."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/orders-resize" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "The function has its own log group, with a retention."
  }
  assert {
    condition     = one(aws_lambda_function.this.logging_config).log_group == aws_cloudwatch_log_group.this.name
    error_message = "The function logs to its own log group."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders-resize:*"]
      },
      {
        Sid      = "Statement0"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::orders-uploads/incoming/*"]
      },
    ]
    error_message = "The role may write its own logs and do what the statements passed in allow, nothing else."
  }
  assert {
    condition = jsondecode(aws_iam_role.this.assume_role_policy).Statement == [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
    error_message = "Only Lambda may assume the role."
  }
  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1 && length(aws_lambda_function.this.tracing_config) == 0 && length(aws_lambda_function.this.dead_letter_config) == 0
    error_message = "Reserved concurrency, tracing and a dead-letter target are opt-in."
  }
  assert {
    condition     = aws_lambda_function.this.filename == "../../../build/lambda/media_start.zip" && aws_lambda_function.this.s3_bucket == null && length(aws_s3_object.package) == 0
    error_message = "Without a package bucket the zip is uploaded with the function."
  }
}

# From S3 the provider creates functions in parallel; the key changes with the zip's content, so
# new code is a new object and an update of the function.
run "package_uploaded_to_a_bucket" {
  command = plan

  variables {
    package_upload = { bucket = "orders-artifacts" }
  }

  assert {
    condition     = aws_s3_object.package[0].bucket == "orders-artifacts" && aws_s3_object.package[0].key == "lambda/orders-resize/${filesha256("../../../build/lambda/media_start.zip")}.zip"
    error_message = "The zip goes to the package bucket under its function's name and content hash."
  }
  assert {
    condition     = aws_lambda_function.this.filename == null && aws_lambda_function.this.s3_bucket == "orders-artifacts" && aws_lambda_function.this.s3_key == aws_s3_object.package[0].key
    error_message = "The function is created from the uploaded object."
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("../../../build/lambda/media_start.zip")
    error_message = "The code hash still comes from the zip, so a plan sees new code."
  }
}

run "kms_dead_letter_queue_tracing_and_concurrency" {
  command = plan

  variables {
    kms_key_arn            = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    dead_letter_target_arn = "arn:aws:sqs:eu-west-1:111122223333:orders-resize-dlq"
    tracing_mode           = "Active"
    reserved_concurrency   = 5
    policy_statements = [{
      sid        = "ReadUploads"
      actions    = ["s3:GetObject"]
      resources  = ["arn:aws:s3:::orders-uploads/incoming/*"]
      conditions = [{ test = "StringEquals", variable = "s3:ExistingObjectTag/stage", values = ["raw"] }]
    }]
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn && aws_lambda_function.this.kms_key_arn == var.kms_key_arn
    error_message = "The key encrypts the log group and the environment variables."
  }
  assert {
    condition     = one(aws_lambda_function.this.dead_letter_config).target_arn == var.dead_letter_target_arn
    error_message = "Failed asynchronous events go to the dead-letter queue."
  }
  assert {
    condition     = one(aws_lambda_function.this.tracing_config).mode == "Active" && aws_lambda_function.this.reserved_concurrent_executions == 5
    error_message = "Tracing and reserved concurrency are set as asked."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.this.policy).Statement == [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = ["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/orders-resize:*"]
      },
      {
        Sid      = "SendToDeadLetterTarget"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = ["arn:aws:sqs:eu-west-1:111122223333:orders-resize-dlq"]
      },
      {
        # X-Ray has no resource-level permissions: the only "*" resource the module writes.
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = ["*"]
      },
      {
        Sid       = "ReadUploads"
        Effect    = "Allow"
        Action    = ["s3:GetObject"]
        Resource  = ["arn:aws:s3:::orders-uploads/incoming/*"]
        Condition = { StringEquals = { "s3:ExistingObjectTag/stage" = ["raw"] } }
      },
    ]
    error_message = "The dead-letter queue gets SendMessage on that queue only, tracing its X-Ray actions, conditions are kept."
  }
}

run "sns_dead_letter_topic" {
  command = plan

  variables {
    dead_letter_target_arn = "arn:aws:sns:eu-west-1:111122223333:orders-failures"
  }

  assert {
    condition = contains(jsondecode(aws_iam_role_policy.this.policy).Statement, {
      Sid      = "SendToDeadLetterTarget"
      Effect   = "Allow"
      Action   = ["sns:Publish"]
      Resource = ["arn:aws:sns:eu-west-1:111122223333:orders-failures"]
    })
    error_message = "An SNS dead-letter target gets sns:Publish on that topic only."
  }
}

run "own_dead_letter_queue" {
  command = plan

  variables {
    create_dead_letter_queue = true
    kms_key_arn              = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition = (
      aws_sqs_queue.dead_letter[0].name == "orders-resize-dlq" && aws_sqs_queue.dead_letter[0].message_retention_seconds == 1209600 &&
      aws_sqs_queue.dead_letter[0].kms_master_key_id == var.kms_key_arn
    )
    error_message = "The function's own dead-letter queue keeps events 14 days, encrypted with the key."
  }
  assert {
    condition     = one(aws_lambda_function.this.dead_letter_config).target_arn == "arn:aws:sqs:eu-west-1:111122223333:orders-resize-dlq"
    error_message = "Failed asynchronous events go to the function's own queue."
  }
  assert {
    condition = slice(jsondecode(aws_iam_role_policy.this.policy).Statement, 1, 3) == [
      { Sid = "SendToDeadLetterTarget", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-west-1:111122223333:orders-resize-dlq"] },
      { Sid = "EncryptDeadLetters", Effect = "Allow", Action = ["kms:GenerateDataKey", "kms:Decrypt"], Resource = [var.kms_key_arn] },
    ]
    error_message = "The role may send to its own queue, with the key that encrypts it."
  }
  assert {
    condition     = output.dead_letter_queue_url == "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-resize-dlq"
    error_message = "The queue's URL is an output, to read or redrive failed events."
  }
}

run "own_dead_letter_queue_without_a_key" {
  command = plan

  variables {
    create_dead_letter_queue = true
  }

  assert {
    condition     = aws_sqs_queue.dead_letter[0].sqs_managed_sse_enabled && aws_sqs_queue.dead_letter[0].kms_master_key_id == null
    error_message = "Without a key the queue is encrypted by SQS itself."
  }
}

# The queue does not read policy_statements, so its precondition is still checked.
run "rejects_two_dead_letter_targets_and_statements_without_resources" {
  command = plan

  variables {
    create_dead_letter_queue = true
    dead_letter_target_arn   = "arn:aws:sqs:eu-west-1:111122223333:orders-failures"
    policy_statements        = [{ actions = ["s3:GetObject"], resources = [] }]
  }

  expect_failures = [aws_sqs_queue.dead_letter, var.policy_statements]
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    function_name          = "orders resize"
    filename               = "../../../build/lambda/media_start.tar.gz"
    runtime                = "python2.7"
    memory_size            = 64
    timeout                = 901
    log_retention_days     = 42
    tracing_mode           = "On"
    dead_letter_target_arn = "arn:aws:lambda:eu-west-1:111122223333:function:other"
    layers                 = ["a", "b", "c", "d", "e", "f"]
    policy_statements      = [{ actions = ["*"], resources = ["*"] }]
  }

  expect_failures = [
    var.function_name, var.filename, var.runtime, var.memory_size, var.timeout,
    var.log_retention_days, var.tracing_mode, var.dead_letter_target_arn, var.layers,
    var.policy_statements,
  ]
}
