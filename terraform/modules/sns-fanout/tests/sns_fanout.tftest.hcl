# Plan-level checks of the fan-out module with a mocked AWS provider: no credentials, no endpoint.
# ARNs the policies are built from are mocked at plan time, each as AWS would name it.
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
  # Only the functions' own-log statements use it; their exact ARNs are lambda-function's tests.
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:mocked" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:eu-west-1:111122223333:orders-video-topic" }
  }
}

override_resource {
  target          = module.publisher.aws_sqs_queue.dead_letter[0]
  override_during = plan
  values          = { arn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-publish-dlq" }
}

override_resource {
  target          = aws_sqs_queue.work["1080p"]
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-1080p"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-video-1080p"
  }
}

override_resource {
  target          = aws_sqs_queue.work["720p"]
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-720p"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-video-720p"
  }
}

override_resource {
  target          = aws_sqs_queue.dead_letter["1080p"]
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-1080p-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-video-1080p-dlq"
  }
}

override_resource {
  target          = aws_sqs_queue.dead_letter["720p"]
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-720p-dlq"
    id  = "https://sqs.eu-west-1.amazonaws.com/111122223333/orders-video-720p-dlq"
  }
}

override_resource {
  target          = module.work_bucket.aws_s3_bucket.this
  override_during = plan
  values          = { id = "orders-video-work", arn = "arn:aws:s3:::orders-video-work" }
}

variables {
  name          = "orders-video"
  artifacts_dir = "../../../build" # `make package`
  input_prefix  = "uploads/"
}

# The defaults, outputs for the wiring, alarms and dashboard and the uploads rule included (the log
# group overrides are read by the delivery status checks only).
run "defaults" {
  command = plan

  override_resource {
    target          = aws_cloudwatch_log_group.delivery_status[""]
    override_during = plan
    values          = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic" }
  }
  override_resource {
    target          = aws_cloudwatch_log_group.delivery_status["/Failure"]
    override_during = plan
    values          = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic/Failure" }
  }

  assert {
    condition = (
      aws_sns_topic.this.name == "orders-video-topic" &&
      aws_sqs_queue.work["720p"].name == "orders-video-720p" &&
      aws_sqs_queue.dead_letter["1080p"].name == "orders-video-1080p-dlq" &&
      module.publisher.function_name == "orders-video-publish" &&
      module.transcoder["1080p"].function_name == "orders-video-transcode-1080p" &&
      aws_iam_role.delivery_status.name == "orders-video-sns-delivery-status"
    )
    error_message = "Every resource is named from the prefix."
  }
  assert {
    condition = {
      for name, r in output.renditions : name => [r.output_bucket, r.output_prefix]
      } == {
      "720p"  = ["orders-video-output-720p", ""]
      "1080p" = ["orders-video-output-1080p", ""]
    }
    error_message = "Each rendition has its own output bucket by default."
  }
  assert {
    condition     = aws_sns_topic.this.kms_master_key_id == "alias/aws/sns"
    error_message = "The topic is encrypted with the AWS-managed key when no key is given."
  }
  assert {
    condition     = alltrue([for q in concat(values(aws_sqs_queue.work), values(aws_sqs_queue.dead_letter)) : q.sqs_managed_sse_enabled])
    error_message = "Queues and dead-letter queues are encrypted (SSE-SQS) when no key is given."
  }
  assert {
    condition = alltrue([for g in aws_cloudwatch_log_group.delivery_status : g.retention_in_days == 30]) && toset([
      for g in aws_cloudwatch_log_group.delivery_status : g.name
      ]) == toset([
      "sns/eu-west-1/111122223333/orders-video-topic", "sns/eu-west-1/111122223333/orders-video-topic/Failure",
    ])
    error_message = "SNS delivery status logs go to log groups created with a retention."
  }
  assert {
    # "Prerequisites for delivery status logging" (SNS Developer Guide): CreateLogGroup,
    # CreateLogStream and PutLogEvents; here on the topic's two groups only.
    condition = jsondecode(aws_iam_role_policy.delivery_status.policy).Statement == [{
      Sid    = "WriteDeliveryStatus"
      Effect = "Allow"
      Action = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = [
        "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic",
        "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic:*",
        "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic/Failure",
        "arn:aws:logs:eu-west-1:111122223333:log-group:sns/eu-west-1/111122223333/orders-video-topic/Failure:*",
      ]
    }]
    error_message = "SNS may create, and write to, the topic's delivery status log groups only."
  }
  assert {
    condition = jsondecode(aws_sqs_queue_policy.work["720p"].policy).Statement == [{
      Sid       = "FromThisTopicOnly"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = "arn:aws:sqs:eu-west-1:111122223333:orders-video-720p"
      Condition = { ArnEquals = { "aws:SourceArn" = "arn:aws:sns:eu-west-1:111122223333:orders-video-topic" } }
    }]
    error_message = "Only this topic may send to a rendition's queue."
  }
  assert {
    condition = jsondecode(aws_sqs_queue.work["720p"].redrive_policy) == {
      deadLetterTargetArn = "arn:aws:sqs:eu-west-1:111122223333:orders-video-720p-dlq"
      maxReceiveCount     = 3
    } && aws_sqs_queue.work["720p"].visibility_timeout_seconds == 6 * 900
    error_message = "A message moves to its rendition's DLQ after 3 receives; visibility is 6x the function timeout."
  }
  assert {
    condition = slice(jsondecode(module.publisher.policy).Statement, 1, 3) == [
      { Sid = "SendToDeadLetterTarget", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-west-1:111122223333:orders-video-publish-dlq"] },
      { Sid = "PublishToThisTopic", Effect = "Allow", Action = ["sns:Publish"], Resource = ["arn:aws:sns:eu-west-1:111122223333:orders-video-topic"] },
    ]
    error_message = "The publisher keeps the events it fails on in its own queue and may publish to this topic only."
  }
  assert {
    condition = slice(jsondecode(module.transcoder["720p"].policy).Statement, 1, 6) == [
      {
        Sid      = "ReadUploads"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::orders-video-input/uploads/*"]
      },
      {
        Sid      = "WriteRendition"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = ["arn:aws:s3:::orders-video-output-720p/*"]
      },
      {
        # Without it S3 answers the idempotency HEAD of a not-yet-made output with 403, not 404
        # (HeadObject, Amazon S3 API Reference): every first transcode would fail.
        Sid      = "TellMissingRenditions"
        Effect   = "Allow"
        Action   = ["s3:ListBucket"]
        Resource = ["arn:aws:s3:::orders-video-output-720p"]
      },
      {
        Sid      = "ConsumeOwnQueue"
        Effect   = "Allow"
        Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]
        Resource = ["arn:aws:sqs:eu-west-1:111122223333:orders-video-720p"]
      },
      {
        # The last failed receive sends the message with its failure record to its own DLQ.
        Sid      = "DeadLetterWithReason"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = ["arn:aws:sqs:eu-west-1:111122223333:orders-video-720p-dlq"]
      },
    ]
    error_message = "A transcoder reads uploads, writes (and may tell missing) its own renditions, consumes its own queue and dead-letters to its own DLQ, nothing else."
  }
  assert {
    condition = slice(jsondecode(module.transcoder["720p"].policy).Statement, 6, 12) == [
      { Sid = "StageLongSource", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::orders-video-work/sources/720p/*"] },
      { Sid = "StartParts", Effect = "Allow", Action = ["states:StartExecution"], Resource = ["arn:aws:states:eu-west-1:111122223333:stateMachine:orders-video-720p-parts"] },
      { Sid = "ReadPartsStatus", Effect = "Allow", Action = ["states:DescribeExecution"], Resource = ["arn:aws:states:eu-west-1:111122223333:execution:orders-video-720p-parts:*"] },
      { Sid = "ReadMergedRendition", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::orders-video-work/renditions/sources/720p/*"] },
      { Sid = "ClearLongSource", Effect = "Allow", Action = ["s3:DeleteObject"], Resource = ["arn:aws:s3:::orders-video-work/sources/720p/*", "arn:aws:s3:::orders-video-work/renditions/sources/720p/*"] },
      {
        Sid       = "ListLongSource"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = ["arn:aws:s3:::orders-video-work"]
        Condition = { StringLike = { "s3:prefix" = ["sources/720p/*", "renditions/sources/720p/*"] } }
      },
    ] && length(jsondecode(module.transcoder["720p"].policy).Statement) == 12
    error_message = "A long source: the transcoder stages it under its own rendition's prefix, starts its own rendition's parts only, and reads and clears its own work files."
  }
  assert {
    condition = alltrue(flatten([
      for p in concat([module.publisher.policy, aws_iam_role_policy.delivery_status.policy], [for t in module.transcoder : t.policy]) : [
        for s in jsondecode(p).Statement : !contains(s.Action, "*") && !contains(s.Resource, "*")
      ]
    ]))
    error_message = "No statement grants the \"*\" action or the \"*\" resource."
  }
  assert {
    condition = (
      output.topic_name == "orders-video-topic" &&
      output.source_bucket == "orders-video-input" && output.source_bucket_arn == "arn:aws:s3:::orders-video-input" &&
      output.renditions["720p"].output_bucket_arn == "arn:aws:s3:::orders-video-output-720p" &&
      output.renditions["720p"].queue_name == "orders-video-720p" &&
      output.renditions["720p"].dead_letter_name == "orders-video-720p-dlq" &&
      output.renditions["720p"].function_role_name == "orders-video-transcode-720p-lambda" &&
      output.publisher_dead_letter_queue_name == "orders-video-publish-dlq" &&
      output.publisher_role_name == "orders-video-publish-lambda" &&
      output.delivery_status_role_name == "orders-video-sns-delivery-status"
    )
    error_message = "Name and ARN of every bucket, queue, topic, role and function are outputs."
  }
  assert {
    condition     = toset(keys(output.alarm_names)) == toset(["720p-dead-letters", "720p-dead-letter-age", "1080p-dead-letters", "1080p-dead-letter-age", "publisher-dead-letters", "publisher-dead-letter-age", "trigger-dead-letters", "trigger-dead-letter-age", "publisher-errors", "publisher-throttles", "transcode-720p-errors", "transcode-720p-throttles", "transcode-1080p-errors", "transcode-1080p-throttles", "parts-encode-720p-errors", "parts-encode-720p-throttles", "parts-encode-1080p-errors", "parts-encode-1080p-throttles", "parts-split-errors", "parts-split-throttles", "parts-merge-errors", "parts-merge-throttles", "parts-cleanup-errors", "parts-cleanup-throttles", "720p-parts-executions-failed", "720p-parts-executions-timed-out", "720p-parts-executions-aborted", "1080p-parts-executions-failed", "1080p-parts-executions-timed-out", "1080p-parts-executions-aborted"])
    error_message = "Every rendition's dead letters, the publisher's and every function are watched."
  }
  assert {
    condition     = output.alarm_topic_arn == null && output.dashboard_name == var.name
    error_message = "A dashboard named after the workflow; no alarm topic unless asked for."
  }
  assert {
    condition = jsondecode(output.start_target.event_pattern).detail == {
      bucket = { name = ["orders-video-input"] }
      object = { key = [{ wildcard = "uploads/*.mp4" }] }
    } && module.trigger.bucket_notification == { eventbridge = true, lambda = [] } && output.start_target.function_name == "orders-video-publish"
    error_message = "Every .mp4 upload under the input prefix reaches the publisher through the uploads rule."
  }
}

run "shared_output_bucket_and_customer_managed_key" {
  command = plan

  variables {
    single_output_bucket = true
    kms_key_arn          = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    log_retention_days   = 90
  }

  assert {
    condition = {
      for name, r in output.renditions : name => [r.output_bucket, r.output_prefix]
      } == {
      "720p"  = ["orders-video-output", "720p/"]
      "1080p" = ["orders-video-output", "1080p/"]
    }
    error_message = "single_output_bucket writes each rendition under its prefix of one bucket."
  }
  assert {
    condition = contains(jsondecode(module.transcoder["720p"].policy).Statement, {
      Sid      = "WriteRendition"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:PutObject"]
      Resource = ["arn:aws:s3:::orders-video-output/720p/*"]
    })
    error_message = "A transcoder writes only under its own rendition's prefix of the shared bucket."
  }
  assert {
    condition = contains(jsondecode(module.transcoder["720p"].policy).Statement, {
      Sid       = "TellMissingRenditions"
      Effect    = "Allow"
      Action    = ["s3:ListBucket"]
      Resource  = ["arn:aws:s3:::orders-video-output"]
      Condition = { StringLike = { "s3:prefix" = ["720p/*"] } }
    })
    error_message = "In a shared bucket a transcoder may list (tell a missing output) only under its own prefix."
  }
  assert {
    condition = (
      aws_sns_topic.this.kms_master_key_id == var.kms_key_arn &&
      alltrue([for q in concat(values(aws_sqs_queue.work), values(aws_sqs_queue.dead_letter)) : q.kms_master_key_id == var.kms_key_arn]) &&
      alltrue([for g in aws_cloudwatch_log_group.delivery_status : g.kms_key_id == var.kms_key_arn && g.retention_in_days == 90])
    )
    error_message = "The key encrypts the topic, the queues and the log groups."
  }
  assert {
    condition = contains(jsondecode(module.transcoder["1080p"].policy).Statement, {
      Sid      = "UseWorkflowKey"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = ["arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    })
    error_message = "Functions may use the workflow's key, that key only."
  }
}

run "rejects_invalid_settings" {
  command = plan

  variables {
    name           = "Orders_Video"
    input_suffixes = []
    renditions = {
      "720p" = { height = 721, video_crf = 60, video_bitrate = "fast" }
    }
    x264_preset       = "placebo"
    batch_size        = 11
    max_concurrency   = 1
    max_receive_count = 0
    parts             = { segment_duration = 1, max_concurrency = 41, split = { ephemeral_storage = 20480 } }
    # existing buckets need their names and the artefacts must all be there
    create_source_bucket = false
    create_output_bucket = false
    artifacts_dir        = "/nonexistent"
  }

  expect_failures = [
    var.name, var.input_suffixes, var.renditions, var.x264_preset,
    var.batch_size, var.max_concurrency, var.max_receive_count, var.parts,
    var.source_bucket_name, var.output_bucket_name, var.artifacts_dir,
  ]
}

run "existing_buckets" {
  command = plan

  variables {
    create_source_bucket = false
    source_bucket_name   = "studio-uploads"
    create_output_bucket = false
    output_bucket_name   = "studio-renditions"
  }

  # An existing bucket is read at plan (the local AWS e2e shows a wrong name failing there).
  override_data {
    target = data.aws_s3_bucket.source[0]
    values = { id = "studio-uploads", arn = "arn:aws:s3:::studio-uploads" }
  }
  override_data {
    target = data.aws_s3_bucket.output[0]
    values = { id = "studio-renditions", arn = "arn:aws:s3:::studio-renditions" }
  }

  assert {
    condition = (
      length(module.source_bucket) == 0 && length(module.output_bucket) == 0 &&
      output.source_bucket == "studio-uploads" && output.source_bucket_arn == "arn:aws:s3:::studio-uploads"
    )
    error_message = "An existing source bucket is used, not created, and named in the outputs."
  }
  assert {
    condition = {
      for name, r in output.renditions : name => [r.output_bucket, r.output_bucket_arn, r.output_prefix]
      } == {
      "720p"  = ["studio-renditions", "arn:aws:s3:::studio-renditions", "720p/"]
      "1080p" = ["studio-renditions", "arn:aws:s3:::studio-renditions", "1080p/"]
    }
    error_message = "An existing output bucket holds every rendition under its prefix."
  }
  assert {
    condition = slice(jsondecode(module.transcoder["720p"].policy).Statement, 1, 4) == [
      { Sid = "ReadUploads", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::studio-uploads/uploads/*"] },
      { Sid = "WriteRendition", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = ["arn:aws:s3:::studio-renditions/720p/*"] },
      { Sid = "TellMissingRenditions", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::studio-renditions"], Condition = { StringLike = { "s3:prefix" = ["720p/*"] } } },
    ]
    error_message = "The transcoders read uploads from and write their prefix of the existing buckets."
  }
}

run "an_output_bucket_name_needs_the_single_bucket_layout" {
  command = plan

  variables {
    output_bucket_name = "studio-renditions"
  }

  expect_failures = [var.output_bucket_name]
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

run "existing_bucket_with_trigger_none" {
  command = plan

  variables {
    create_source_bucket = false
    source_bucket_name   = "platform-media"
    trigger              = "none"
  }

  assert {
    condition     = module.trigger.bucket_notification == null && output.trigger.rule_name == null && !contains(keys(output.alarm_names), "trigger-dead-letters")
    error_message = "trigger none leaves the existing bucket and the wiring to the caller."
  }
}
