# Plan-level checks of the s3-trigger module with a mocked AWS provider.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_resource "aws_cloudwatch_event_rule" {
    defaults = { arn = "arn:aws:events:eu-west-1:111122223333:rule/media-uploads" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-west-1:111122223333:media-uploads-dlq" }
  }
}

variables {
  name               = "media-uploads"
  bucket_name        = "acme-media"
  bucket_eventbridge = true
  prefix             = "incoming/"
  suffixes           = [".mp4", ".mov"]
  function_name      = "media-start"
  function_arn       = "arn:aws:lambda:eu-west-1:111122223333:function:media-start"
}

run "eventbridge_by_default" {
  command = plan

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.this[0].event_pattern) == {
      source        = ["aws.s3"]
      "detail-type" = ["Object Created"]
      detail = {
        bucket = { name = ["acme-media"] }
        object = { key = [{ wildcard = "incoming/*.mp4" }, { wildcard = "incoming/*.mov" }] }
      }
    }
    error_message = "The rule must match the bucket's uploads under the prefix with one of the suffixes."
  }

  assert {
    condition     = aws_s3_bucket_notification.this[0].eventbridge && length(aws_s3_bucket_notification.this[0].lambda_function) == 0
    error_message = "A bucket of the module's own sends its events to EventBridge, and only that."
  }

  assert {
    condition = (
      aws_lambda_permission.eventbridge[0].principal == "events.amazonaws.com" &&
      aws_lambda_permission.eventbridge[0].source_arn == "arn:aws:events:eu-west-1:111122223333:rule/media-uploads" &&
      length(aws_lambda_permission.s3) == 0
    )
    error_message = "Only this rule may invoke the function."
  }

  assert {
    condition = jsondecode(aws_sqs_queue_policy.dead_letter[0].policy).Statement == [{
      Sid       = "DeadLettersOfTheUploadRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:media-uploads-dlq"
      Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:events:eu-west-1:111122223333:rule/media-uploads" } }
    }]
    error_message = "Only this rule may send to the dead-letter queue."
  }

  assert {
    condition = (
      aws_sqs_queue.dead_letter[0].sqs_managed_sse_enabled &&
      aws_cloudwatch_event_target.this[0].dead_letter_config[0].arn == "arn:aws:sqs:eu-west-1:111122223333:media-uploads-dlq" &&
      aws_cloudwatch_event_target.this[0].retry_policy[0].maximum_retry_attempts == 185 &&
      aws_cloudwatch_event_target.this[0].retry_policy[0].maximum_event_age_in_seconds == 86400
    )
    error_message = "The target keeps EventBridge's retry defaults and dead-letters to the encrypted queue."
  }
}

run "existing_bucket_keeps_its_notification_configuration" {
  command = plan

  variables {
    bucket_eventbridge = false
  }

  assert {
    condition     = length(aws_s3_bucket_notification.this) == 0 && length(aws_cloudwatch_event_rule.this) == 1
    error_message = "An existing bucket's notification configuration is its owner's: the rule alone is created."
  }
}

run "s3_notification_as_before" {
  command = plan

  variables {
    mode = "s3_notification"
  }

  assert {
    condition = (
      !aws_s3_bucket_notification.this[0].eventbridge &&
      [for f in aws_s3_bucket_notification.this[0].lambda_function : [f.filter_prefix, f.filter_suffix]] == [["incoming/", ".mov"], ["incoming/", ".mp4"]] &&
      aws_lambda_permission.s3[0].source_arn == "arn:aws:s3:::acme-media" &&
      aws_lambda_permission.s3[0].source_account == "111122223333" &&
      length(aws_cloudwatch_event_rule.this) == 0 && length(aws_sqs_queue.dead_letter) == 0
    )
    error_message = "s3_notification invokes the function from the bucket's notifications, as the modules did before."
  }
}

run "none_creates_nothing" {
  command = plan

  variables {
    mode = "none"
  }

  assert {
    condition     = length(aws_s3_bucket_notification.this) + length(aws_cloudwatch_event_rule.this) + length(aws_lambda_permission.s3) == 0
    error_message = "mode none leaves the wiring to the caller."
  }
}

run "rejects_unknown_modes" {
  command = plan

  variables {
    mode         = "sqs"
    retry_policy = { maximum_retry_attempts = 200 }
  }

  expect_failures = [var.mode, var.retry_policy]
}

run "rejects_prefixes_s3_would_encode" {
  command = plan

  variables {
    prefix = "my videos/"
  }

  expect_failures = [aws_cloudwatch_event_rule.this[0]]
}
