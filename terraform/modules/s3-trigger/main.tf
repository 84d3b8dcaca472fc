data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  eventbridge     = var.mode == "eventbridge"
  s3_notification = var.mode == "s3_notification"
  bucket_arn      = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"

  # One wildcard per suffix matches prefix and suffix of the same key ("Wildcard matching",
  # EventBridge event patterns); "*" and "\" in them are escaped to match themselves.
  escaped_prefix = replace(replace(var.prefix, "\\", "\\\\"), "*", "\\*")
  key_patterns   = [for suffix in var.suffixes : { wildcard = "${local.escaped_prefix}*${replace(replace(suffix, "\\", "\\\\"), "*", "\\*")}" }]
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [var.bucket_name] }
      object = { key = local.key_patterns }
    }
  })
}

# --- eventbridge: a rule on the bucket's "Object Created" events -----------------------------

resource "aws_cloudwatch_event_rule" "this" {
  count         = local.eventbridge ? 1 : 0
  name          = var.name
  description   = "Uploads to ${var.bucket_name} under \"${var.prefix}\" ending ${join(", ", var.suffixes)}"
  event_pattern = local.event_pattern
  tags          = var.tags

  lifecycle {
    precondition {
      # S3 URL-encodes keys in its events as in notifications: the pattern sees "my+file.mp4"
      # for "my file.mp4". Prefixes and suffixes of these characters read the same encoded.
      condition     = alltrue([for s in concat([var.prefix], var.suffixes) : can(regex("^[A-Za-z0-9/_.-]*$", s))])
      error_message = "With trigger \"eventbridge\", the prefix and suffixes may hold only letters, digits, '/', '_', '.' and '-': S3 URL-encodes other characters of the key in its events, so they would not match. Use trigger \"s3_notification\" for others."
    }
  }
}

resource "aws_lambda_permission" "eventbridge" {
  count         = local.eventbridge ? 1 : 0
  statement_id  = "AllowUploadRule"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.this[0].arn
}

# Events EventBridge could not hand to the function (a missing permission, a deleted function,
# retries exhausted): kept 14 days with the error in their attributes.
resource "aws_sqs_queue" "dead_letter" {
  count                             = local.eventbridge ? 1 : 0
  name                              = "${var.name}-dlq"
  message_retention_seconds         = 1209600
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

# "Granting permissions to the dead-letter queue" (EventBridge User Guide): this rule only.
resource "aws_sqs_queue_policy" "dead_letter" {
  count     = local.eventbridge ? 1 : 0
  queue_url = aws_sqs_queue.dead_letter[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DeadLettersOfTheUploadRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.dead_letter[0].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.this[0].arn } }
    }]
  })
}

resource "aws_cloudwatch_event_target" "this" {
  count     = local.eventbridge ? 1 : 0
  rule      = aws_cloudwatch_event_rule.this[0].name
  target_id = "start"
  arn       = var.function_arn

  retry_policy {
    maximum_retry_attempts       = var.retry_policy.maximum_retry_attempts
    maximum_event_age_in_seconds = var.retry_policy.maximum_event_age_in_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.dead_letter[0].arn
  }

  depends_on = [aws_lambda_permission.eventbridge, aws_sqs_queue_policy.dead_letter]
}

# --- s3_notification: the bucket invokes the function itself --------------------------------

resource "aws_lambda_permission" "s3" {
  count          = local.s3_notification ? 1 : 0
  statement_id   = "AllowUploadBucket"
  action         = "lambda:InvokeFunction"
  function_name  = var.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = local.bucket_arn
  source_account = data.aws_caller_identity.current.account_id
}

# The bucket's whole notification configuration: EventBridge on for a bucket of the workflow's
# own, or the function's notifications with s3_notification (as before the rule existed).
resource "aws_s3_bucket_notification" "this" {
  count       = local.s3_notification || (local.eventbridge && var.bucket_eventbridge) ? 1 : 0
  bucket      = var.bucket_name
  eventbridge = local.eventbridge

  dynamic "lambda_function" {
    for_each = local.s3_notification ? toset(var.suffixes) : []
    content {
      id                  = "${var.name}${replace(lambda_function.value, ".", "-")}"
      lambda_function_arn = var.function_arn
      events              = ["s3:ObjectCreated:*"]
      filter_prefix       = var.prefix
      filter_suffix       = lambda_function.value
    }
  }

  depends_on = [aws_lambda_permission.s3, aws_cloudwatch_event_target.this]
}
