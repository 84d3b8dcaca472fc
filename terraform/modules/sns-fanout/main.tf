data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# Existing buckets are read at plan: a name that does not exist fails there, not mid-apply.
data "aws_s3_bucket" "source" {
  count  = var.create_source_bucket ? 0 : 1
  bucket = var.source_bucket_name
}

data "aws_s3_bucket" "output" {
  count  = var.create_output_bucket ? 0 : 1
  bucket = var.output_bucket_name
}

locals {
  partition     = data.aws_partition.current.partition
  source_bucket = var.create_source_bucket ? module.source_bucket[0].id : data.aws_s3_bucket.source[0].id
  source_arn    = var.create_source_bucket ? module.source_bucket[0].arn : data.aws_s3_bucket.source[0].arn
  topic_name    = "${var.name}-topic"
  layer_arn     = var.ffmpeg_layer_arn != null ? var.ffmpeg_layer_arn : module.ffmpeg_layer[0].layer_version_arn
  tracing_mode  = var.tracing_enabled ? "Active" : null

  # What the functions and the layer are made from, checked together (variables.tf).
  artifacts = concat(
    ["manifest.json", "lambda/fanout_publish.zip", "lambda/fanout_transcode.zip"],
    # a long source's parts: media-convert's own split, encode, merge and clean-up
    [for fn in ["split", "encode", "merge", "cleanup"] : "lambda/media_${fn}.zip"],
    var.ffmpeg_layer_arn == null ? ["layers/ffmpeg.zip"] : [],
  )

  # Where each rendition is written: its own bucket, or a prefix of one shared bucket.
  single_output = var.single_output_bucket || !var.create_output_bucket
  outputs = {
    for name, r in var.renditions : name => {
      bucket = local.single_output ? coalesce(var.output_bucket_name, "${var.name}-output") : "${var.name}-output-${name}"
      prefix = local.single_output ? "${name}/" : ""
    }
  }
  output_buckets = toset([for o in values(local.outputs) : o.bucket])
  output_arns = var.create_output_bucket ? { for bucket, created in module.output_bucket : bucket => created.arn } : {
    (data.aws_s3_bucket.output[0].id) = data.aws_s3_bucket.output[0].arn
  }

  # Lambda stops receiving a batch's messages only after the function's timeout; AWS recommends
  # a visibility timeout of at least six times that, so a slow attempt is never run twice at once.
  visibility_timeout = 6 * var.transcoder_settings.timeout

  # Long sources (parts.asl.json): the state machine ARNs are built from their names, as the
  # transcoders start them and they invoke the transcoders.
  states_arn_prefix = "arn:${local.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  parts_arns        = { for name in keys(var.renditions) : name => "${local.states_arn_prefix}:stateMachine:${var.name}-${name}-parts" }
  work_arn          = module.work_bucket.arn
  # The split needs 3x the upload in /tmp (media_common.input_size, scale_model.max_input_bytes).
  parts_max_input_bytes = floor(var.parts.split.ephemeral_storage * 1048576 / 3)

  kms_statements = var.kms_key_arn == null ? [] : [{
    sid        = "UseWorkflowKey"
    actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources  = [var.kms_key_arn]
    conditions = []
  }]
}

# --- buckets and layer ---------------------------------------------------------------------

module "source_bucket" {
  count         = var.create_source_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.source_bucket_name, "${var.name}-input")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "output_bucket" {
  for_each      = var.create_output_bucket ? local.output_buckets : toset([])
  source        = "../s3-bucket"
  name          = each.value
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Long sources made in parts: staged uploads, media-convert's job files, merged renditions.
module "work_bucket" {
  source          = "../s3-bucket"
  name            = "${var.name}-work"
  kms_key_arn     = var.kms_key_arn
  expire_prefixes = ["sources/", "jobs/", "renditions/"]
  expiration_days = 3
  force_destroy   = true # holds only intermediate files
  tags            = var.tags
}

module "artifacts_bucket" {
  count         = var.ffmpeg_layer_arn == null ? 1 : 0
  source        = "../s3-bucket"
  name          = "${var.name}-artifacts"
  kms_key_arn   = var.kms_key_arn
  force_destroy = true # holds only the published layer zip
  tags          = var.tags
}

module "ffmpeg_layer" {
  count           = var.ffmpeg_layer_arn == null ? 1 : 0
  source          = "../ffmpeg-layer"
  layer_name      = "${var.name}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = module.artifacts_bucket[0].id
  tags            = var.tags
}

# --- topic ---------------------------------------------------------------------------------

resource "aws_sns_topic" "this" {
  name              = local.topic_name
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns")

  # Delivery status logging to CloudWatch, as the spec sets up for the topic.
  sqs_success_feedback_role_arn    = aws_iam_role.delivery_status.arn
  sqs_failure_feedback_role_arn    = aws_iam_role.delivery_status.arn
  sqs_success_feedback_sample_rate = var.delivery_status_sample_rate

  tags = var.tags
}

# SNS writes delivery status to these groups; creating them here sets their retention.
resource "aws_cloudwatch_log_group" "delivery_status" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days (default 30); a year of delivery logs is cost without a requirement
  for_each          = toset(["", "/Failure"])
  name              = "sns/${data.aws_region.current.name}/${data.aws_caller_identity.current.account_id}/${local.topic_name}${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "delivery_status" {
  name        = "${var.name}-sns-delivery-status"
  description = "Lets SNS log delivery status of the ${local.topic_name} topic"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

# The actions "Prerequisites for delivery status logging" (SNS Developer Guide) lists for the
# role: SNS creates the topic's log group itself if it is missing, so CreateLogGroup is needed
# even though this module creates both groups first; limited to those two groups. (The AWS
# managed AmazonSNSRole also has PutMetricFilter and PutRetentionPolicy: SNS does not need them,
# and the latter would let it change the retention set here.)
resource "aws_iam_role_policy" "delivery_status" {
  name = "write-delivery-status"
  role = aws_iam_role.delivery_status.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteDeliveryStatus"
      Effect   = "Allow"
      Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = flatten([for g in aws_cloudwatch_log_group.delivery_status : [g.arn, "${g.arn}:*"]])
    }]
  })
}

# --- one queue, dead-letter queue and subscription per rendition ---------------------------

resource "aws_sqs_queue" "dead_letter" {
  for_each                          = var.renditions
  name                              = "${var.name}-${each.key}-dlq"
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  tags                              = var.tags
}

resource "aws_sqs_queue" "work" {
  for_each                          = var.renditions
  name                              = "${var.name}-${each.key}"
  visibility_timeout_seconds        = local.visibility_timeout
  message_retention_seconds         = var.message_retention_seconds
  sqs_managed_sse_enabled           = var.kms_key_arn == null ? true : null
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = var.kms_key_arn == null ? null : 300
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dead_letter[each.key].arn
    maxReceiveCount     = var.max_receive_count
  })
  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dead_letter" {
  for_each  = var.renditions
  queue_url = aws_sqs_queue.dead_letter[each.key].id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.work[each.key].arn]
  })
}

resource "aws_sqs_queue_policy" "work" {
  for_each  = var.renditions
  queue_url = aws_sqs_queue.work[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromThisTopicOnly"
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.work[each.key].arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_sns_topic.this.arn } }
    }]
  })
}

resource "aws_sns_topic_subscription" "work" {
  for_each             = var.renditions
  topic_arn            = aws_sns_topic.this.arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.work[each.key].arn
  raw_message_delivery = true

  depends_on = [aws_sqs_queue_policy.work]
}

# --- functions -----------------------------------------------------------------------------

module "publisher" {
  source             = "../lambda-function"
  function_name      = "${var.name}-publish"
  description        = "Publishes each uploaded video (bucket, key, size, etag) to the ${local.topic_name} topic"
  filename           = "${var.artifacts_dir}/lambda/fanout_publish.zip"
  package_upload     = var.package_upload
  handler            = "fanout_publish.handler.lambda_handler"
  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  # S3 invokes it asynchronously: an upload whose start still fails after the retries is kept.
  create_dead_letter_queue = true
  environment              = { TOPIC_ARN = aws_sns_topic.this.arn, POWERTOOLS_LOG_LEVEL = "INFO" }
  policy_statements = concat(
    [{ sid = "PublishToThisTopic", actions = ["sns:Publish"], resources = [aws_sns_topic.this.arn] }],
    local.kms_statements,
  )
  tags = var.tags
}

module "transcoder" {
  for_each           = var.renditions
  source             = "../lambda-function"
  function_name      = "${var.name}-transcode-${each.key}"
  description        = "Transcodes queued uploads to the ${each.key} rendition"
  filename           = "${var.artifacts_dir}/lambda/fanout_transcode.zip"
  package_upload     = var.package_upload
  handler            = "fanout_transcode.handler.lambda_handler"
  memory_size        = var.transcoder_settings.memory_size
  timeout            = var.transcoder_settings.timeout
  ephemeral_storage  = var.transcoder_settings.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge({
    RENDITION     = each.key
    OUTPUT_BUCKET = local.outputs[each.key].bucket
    OUTPUT_PREFIX = local.outputs[each.key].prefix
    OUTPUT_HEIGHT = tostring(each.value.height)
    VIDEO_CRF     = tostring(each.value.video_crf)
    AUDIO_BITRATE = each.value.audio_bitrate
    X264_PRESET   = var.x264_preset
    ALLOW_UPSCALE = tostring(var.allow_upscale)
    # The last failed receive moves the message to the dead-letter queue itself, with its reason.
    DEAD_LETTER_QUEUE_URL = aws_sqs_queue.dead_letter[each.key].id # the queue URL
    MAX_RECEIVE_COUNT     = tostring(var.max_receive_count)
    # Too long or too large for one pass: handed to the rendition's parts state machine.
    PARTS_STATE_MACHINE_ARN = local.parts_arns[each.key]
    WORK_BUCKET             = module.work_bucket.id
    PARTS_MAX_INPUT_BYTES   = tostring(local.parts_max_input_bytes)
    POWERTOOLS_LOG_LEVEL    = "INFO"
  }, each.value.video_bitrate == null ? {} : { VIDEO_BITRATE = each.value.video_bitrate })
  policy_statements = concat([
    # GetObject If-Match the announced ETag: a key overwritten since answers 412 (superseded).
    { sid = "ReadUploads", actions = ["s3:GetObject"], resources = ["${local.source_arn}/${var.input_prefix}*"] },
    # GetObject lets a redelivered message see that its output already exists; it is also what a
    # PutObject with If-Match needs besides s3:PutObject (S3 User Guide, "conditional writes").
    { sid = "WriteRendition", actions = ["s3:GetObject", "s3:PutObject"], resources = ["${local.output_arns[local.outputs[each.key].bucket]}/${local.outputs[each.key].prefix}*"] },
    # The idempotency check HEADs an output that does not exist yet on every first transcode:
    # S3 answers 404 only to a caller allowed s3:ListBucket, 403 to anyone else (HeadObject, API
    # Reference, "Permissions"). S3 evaluates that ListBucket with the requested key as s3:prefix,
    # so the grant is limited to the rendition's prefix in a shared bucket.
    {
      sid        = "TellMissingRenditions"
      actions    = ["s3:ListBucket"]
      resources  = [local.output_arns[local.outputs[each.key].bucket]]
      conditions = local.outputs[each.key].prefix == "" ? [] : [{ test = "StringLike", variable = "s3:prefix", values = ["${local.outputs[each.key].prefix}*"] }]
    },
    { sid = "ConsumeOwnQueue", actions = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], resources = [aws_sqs_queue.work[each.key].arn] },
    { sid = "DeadLetterWithReason", actions = ["sqs:SendMessage"], resources = [aws_sqs_queue.dead_letter[each.key].arn] },
    # A long source: CopyObject of the upload into the work bucket (s3:GetObject on the source,
    # above, and s3:PutObject on the copy), then its parts execution.
    { sid = "StageLongSource", actions = ["s3:PutObject"], resources = ["${local.work_arn}/sources/${each.key}/*"] },
    { sid = "StartParts", actions = ["states:StartExecution"], resources = [local.parts_arns[each.key]] },
    # An upload's execution exists already: a dead letter redriven after it failed runs again.
    { sid = "ReadPartsStatus", actions = ["states:DescribeExecution"], resources = ["${replace(local.parts_arns[each.key], ":stateMachine:", ":execution:")}:*"] },
    # Publish: read the merged rendition; then delete the staged upload and the merged files.
    { sid = "ReadMergedRendition", actions = ["s3:GetObject"], resources = ["${local.work_arn}/renditions/sources/${each.key}/*"] },
    { sid = "ClearLongSource", actions = ["s3:DeleteObject"], resources = ["${local.work_arn}/sources/${each.key}/*", "${local.work_arn}/renditions/sources/${each.key}/*"] },
    {
      sid        = "ListLongSource"
      actions    = ["s3:ListBucket"]
      resources  = [local.work_arn]
      conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["sources/${each.key}/*", "renditions/sources/${each.key}/*"] }]
    },
  ], local.kms_statements)
  tags = var.tags
}

# --- long sources: media-convert's functions, one state machine per rendition ---------------

locals {
  parts_environment = {
    WORK_BUCKET          = module.work_bucket.id
    WORK_PREFIX          = "jobs/"
    OUTPUT_BUCKET        = module.work_bucket.id
    OUTPUT_PREFIX        = "renditions/" # the merge writes the rendition there; Publish moves it
    CLEANUP_INTERMEDIATE = "true"
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
}

module "parts_split" {
  source             = "../lambda-function"
  function_name      = "${var.name}-parts-split"
  description        = "media-convert's SplitVideoFile for uploads too long for one transcoder invocation"
  filename           = "${var.artifacts_dir}/lambda/media_split.zip"
  package_upload     = var.package_upload
  handler            = "media_split.handler.lambda_handler"
  memory_size        = var.parts.split.memory_size
  timeout            = var.parts.split.timeout
  ephemeral_storage  = var.parts.split.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.parts_environment, {
    SEGMENT_DURATION = tostring(var.parts.segment_duration)
    MAX_INPUT_BYTES  = tostring(local.parts_max_input_bytes)
  })
  policy_statements = concat([
    { sid = "ReadStagedUploads", actions = ["s3:GetObject"], resources = ["${local.work_arn}/sources/*"] },
    { sid = "WriteParts", actions = ["s3:PutObject"], resources = ["${local.work_arn}/jobs/*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "parts_encode" {
  for_each           = var.renditions
  source             = "../lambda-function"
  function_name      = "${var.name}-parts-encode-${each.key}"
  description        = "media-convert's ParallelMediaConvert at the ${each.key} rendition's settings"
  filename           = "${var.artifacts_dir}/lambda/media_encode.zip"
  package_upload     = var.package_upload
  handler            = "media_encode.handler.lambda_handler"
  memory_size        = var.transcoder_settings.memory_size
  timeout            = var.transcoder_settings.timeout
  ephemeral_storage  = var.transcoder_settings.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.parts_environment, {
    OUTPUT_HEIGHT   = tostring(each.value.height)
    VIDEO_CRF       = tostring(each.value.video_crf)
    X264_PRESET     = var.x264_preset
    THUMBNAIL_WIDTH = "16" # part 0's thumbnail (media-convert's) is not kept: the smallest
  }, each.value.video_bitrate == null ? {} : { VIDEO_BITRATE = each.value.video_bitrate })
  policy_statements = concat([
    # An MP4/QuickTime upload's chunks and audio are read from its staged copy (byte ranges).
    { sid = "ReadStagedUploads", actions = ["s3:GetObject"], resources = ["${local.work_arn}/sources/*"] },
    { sid = "ReadJobFiles", actions = ["s3:GetObject"], resources = ["${local.work_arn}/jobs/*"] },
    { sid = "WriteEncodedParts", actions = ["s3:PutObject"], resources = ["${local.work_arn}/jobs/*"] },
    { sid = "WriteThumbnail", actions = ["s3:PutObject"], resources = ["${local.work_arn}/renditions/*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "parts_merge" {
  source             = "../lambda-function"
  function_name      = "${var.name}-parts-merge"
  description        = "media-convert's MergeVideoFile for uploads made in parts"
  filename           = "${var.artifacts_dir}/lambda/media_merge.zip"
  package_upload     = var.package_upload
  handler            = "media_merge.handler.lambda_handler"
  memory_size        = var.parts.merge.memory_size
  timeout            = var.parts.merge.timeout
  ephemeral_storage  = var.parts.merge.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment        = merge(local.parts_environment, { TRANSCODER = "ffmpeg" })
  policy_statements = concat([
    { sid = "ReadAndClearJobFiles", actions = ["s3:GetObject", "s3:DeleteObject"], resources = ["${local.work_arn}/jobs/*"] },
    { sid = "ListJobFiles", actions = ["s3:ListBucket"], resources = [local.work_arn], conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["jobs/*"] }] },
    { sid = "WriteMergedRendition", actions = ["s3:PutObject"], resources = ["${local.work_arn}/renditions/*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "parts_cleanup" {
  source             = "../lambda-function"
  function_name      = "${var.name}-parts-cleanup"
  description        = "media-convert's cleanup of a failed job's files"
  filename           = "${var.artifacts_dir}/lambda/media_cleanup.zip"
  package_upload     = var.package_upload
  handler            = "media_cleanup.handler.lambda_handler"
  memory_size        = 256
  timeout            = 120
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment        = local.parts_environment
  policy_statements = [
    { sid = "DeleteJobFiles", actions = ["s3:DeleteObject"], resources = ["${local.work_arn}/jobs/*"] },
    { sid = "ListJobFiles", actions = ["s3:ListBucket"], resources = [local.work_arn], conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["jobs/*"] }] },
  ]
  tags = var.tags
}

module "parts_state_machine" {
  for_each = var.renditions
  source   = "../state-machine"
  name     = "${var.name}-${each.key}-parts"
  definition = templatefile("${path.module}/parts.asl.json", {
    split_function_arn      = module.parts_split.function_arn
    encode_function_arn     = module.parts_encode[each.key].function_arn
    merge_function_arn      = module.parts_merge.function_arn
    cleanup_function_arn    = module.parts_cleanup.function_arn
    transcoder_function_arn = module.transcoder[each.key].function_arn
    max_concurrency         = var.parts.max_concurrency
  })
  description = "Execution role of the ${each.key} rendition's parts state machine"
  policy_statements = [{
    sid     = "InvokePartsFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([for arn in [
      module.parts_split.function_arn, module.parts_encode[each.key].function_arn, module.parts_merge.function_arn,
      module.parts_cleanup.function_arn, module.transcoder[each.key].function_arn,
    ] : [arn, "${arn}:*"]])
  }]
  tracing_enabled    = var.tracing_enabled
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

resource "aws_lambda_event_source_mapping" "work" {
  for_each                = var.renditions
  event_source_arn        = aws_sqs_queue.work[each.key].arn
  function_name           = module.transcoder[each.key].function_arn
  batch_size              = var.batch_size
  function_response_types = ["ReportBatchItemFailures"]

  scaling_config {
    maximum_concurrency = var.max_concurrency
  }
}

# --- trigger -------------------------------------------------------------------------------

# Uploads reach the publisher through an EventBridge rule (or, with trigger "s3_notification",
# the bucket's own notification); it publishes the sequencer the transcoders order uploads by.
module "trigger" {
  source             = "../s3-trigger"
  name               = "${var.name}-uploads"
  mode               = var.trigger
  bucket_name        = local.source_bucket
  bucket_eventbridge = var.create_source_bucket
  prefix             = var.input_prefix
  suffixes           = var.input_suffixes
  function_name      = module.publisher.function_name
  function_arn       = module.publisher.function_arn
  retry_policy       = var.trigger_retry_policy
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}
