data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

# Existing buckets are read at plan: a name that does not exist fails there, not mid-apply.
data "aws_s3_bucket" "photo" {
  count  = var.create_photo_bucket ? 0 : 1
  bucket = var.photo_bucket_name
}

data "aws_s3_bucket" "thumbnail" {
  count  = var.create_thumbnail_bucket ? 0 : 1
  bucket = var.thumbnail_bucket_name
}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  # A workflow named <prefix>-riders gets the table <prefix>-riders, not <prefix>-riders-riders.
  table_name    = coalesce(var.table_name, endswith(var.name, "-riders") ? var.name : "${var.name}-riders")
  collection_id = coalesce(var.collection_id, "${var.name}-faces")

  photo_bucket         = var.create_photo_bucket ? module.photo_bucket[0].id : data.aws_s3_bucket.photo[0].id
  photo_bucket_arn     = var.create_photo_bucket ? module.photo_bucket[0].arn : data.aws_s3_bucket.photo[0].arn
  thumbnail_bucket     = var.create_thumbnail_bucket ? module.thumbnail_bucket[0].id : data.aws_s3_bucket.thumbnail[0].id
  thumbnail_bucket_arn = var.create_thumbnail_bucket ? module.thumbnail_bucket[0].arn : data.aws_s3_bucket.thumbnail[0].arn

  # What the functions are made from, checked together (variables.tf).
  artifacts = concat(["manifest.json"], [
    for fn in ["start", "face_detection", "face_search", "index_face", "thumbnail", "persist_metadata", "cleanup", "notification"] :
    "lambda/photo_${fn}.zip"
  ])
  tracing_mode = var.tracing_enabled ? "Active" : null
  topic_arn    = var.notification_topic_arn != null ? var.notification_topic_arn : (var.create_notification_topic ? aws_sns_topic.notifications[0].arn : null)

  photos_read = {
    sid       = "ReadPhotos"
    actions   = ["s3:GetObject"]
    resources = ["${local.photo_bucket_arn}/${var.upload_prefix}*"]
  }
  # The functions that HEAD/GET the photo themselves: S3 answers a missing photo with 404 only
  # to a caller allowed s3:ListBucket, else 403 (HeadObject, Amazon S3 API Reference). S3
  # evaluates it with the requested key as s3:prefix, hence the upload-prefix condition.
  photos_list = {
    sid        = "TellMissingPhotos"
    actions    = ["s3:ListBucket"]
    resources  = [local.photo_bucket_arn]
    conditions = var.upload_prefix == "" ? [] : [{ test = "StringLike", variable = "s3:prefix", values = ["${var.upload_prefix}*"] }]
  }
  kms_statements = var.kms_key_arn == null ? [] : [{
    sid       = "UseWorkflowKey"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [var.kms_key_arn]
  }]
  image_limits = {
    MAX_PHOTO_BYTES  = tostring(var.max_photo_bytes)
    MAX_PHOTO_PIXELS = tostring(var.max_photo_pixels)
  }

  # Every task retries what a new attempt can fix: Lambda service hiccups (the errors of "Handle
  # Lambda service exceptions", Step Functions Developer Guide) and AWS throttling or server
  # errors (TransientServiceError); photo problems are never retried. A function that timed out
  # or crashed (Sandbox.Timedout; Lambda.Unknown, as that guide names timeouts and out-of-memory)
  # is tried once more: every task is safe to repeat, and one that keeps failing is undone.
  retry = jsonencode([
    {
      ErrorEquals = [
        "Lambda.ClientExecutionTimeoutException", "Lambda.ServiceException",
        "Lambda.AWSLambdaException", "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException", "TransientServiceError",
      ]
      IntervalSeconds = var.retry.interval_seconds
      MaxAttempts     = var.retry.max_attempts
      BackoffRate     = var.retry.backoff_rate
    },
    {
      ErrorEquals     = ["Sandbox.Timedout", "Lambda.Unknown"]
      IntervalSeconds = var.retry.interval_seconds
      MaxAttempts     = 1
      BackoffRate     = var.retry.backoff_rate
    },
  ])
}

# --- storage -------------------------------------------------------------------------------

module "photo_bucket" {
  count         = var.create_photo_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.photo_bucket_name, "${var.name}-photos")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "thumbnail_bucket" {
  count         = var.create_thumbnail_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.thumbnail_bucket_name, "${var.name}-thumbnails")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_dynamodb_table" "riders" {
  name                        = local.table_name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "userId"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "userId"
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  tags = var.tags
}

resource "aws_rekognition_collection" "riders" {
  collection_id = local.collection_id
  tags          = var.tags
}

resource "aws_sns_topic" "notifications" {
  count             = var.notification_topic_arn == null && var.create_notification_topic ? 1 : 0
  name              = "${var.name}-photo-refused"
  kms_master_key_id = coalesce(var.kms_key_arn, "alias/aws/sns") # encrypted at rest either way
  tags              = var.tags
}

# --- functions -----------------------------------------------------------------------------

module "start" {
  source             = "../lambda-function"
  function_name      = "${var.name}-start"
  description        = "Starts one rider-photo execution per uploaded photo (user id from the key or metadata)"
  filename           = "${var.artifacts_dir}/lambda/photo_start.zip"
  package_upload     = var.package_upload
  handler            = "photo_start.handler.lambda_handler"
  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  # S3 invokes it asynchronously: an upload whose start still fails after the retries is kept.
  create_dead_letter_queue = true
  environment = {
    STATE_MACHINE_ARN    = module.state_machine.arn
    UPLOAD_PREFIX        = var.upload_prefix
    USER_ID_SOURCE       = var.user_id_source
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    { sid = "StartThisWorkflow", actions = ["states:StartExecution"], resources = [module.state_machine.arn] },
    merge(local.photos_read, { sid = "ReadPhotoMetadata" }),
    local.photos_list,
  ], local.kms_statements)
  tags = var.tags
}

module "face_detection" {
  source             = "../lambda-function"
  function_name      = "${var.name}-face-detection"
  description        = "FaceDetection: one face, eyes open, no sunglasses; refuses bad images"
  filename           = "${var.artifacts_dir}/lambda/photo_face_detection.zip"
  package_upload     = var.package_upload
  handler            = "photo_face_detection.handler.lambda_handler"
  memory_size        = var.image_memory_size
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.image_limits, {
    MIN_FACE_CONFIDENCE       = tostring(var.min_face_confidence)
    REQUIRE_EYES_OPEN         = tostring(var.require_eyes_open)
    FACE_ATTRIBUTE_CONFIDENCE = tostring(var.face_attribute_confidence)
    POWERTOOLS_LOG_LEVEL      = "INFO"
  })
  policy_statements = concat([
    local.photos_read,
    local.photos_list,
    # DetectFaces has no resource-level permissions.
    { sid = "DetectFaces", actions = ["rekognition:DetectFaces"], resources = ["*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "face_search" {
  source             = "../lambda-function"
  function_name      = "${var.name}-face-search"
  description        = "CheckFaceDuplicate: refuses a face already in the collection or a registered rider, then claims the rider"
  filename           = "${var.artifacts_dir}/lambda/photo_face_search.zip"
  package_upload     = var.package_upload
  handler            = "photo_face_search.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = {
    COLLECTION_ID        = aws_rekognition_collection.riders.collection_id
    RIDER_TABLE          = aws_dynamodb_table.riders.name
    FACE_MATCH_THRESHOLD = tostring(var.face_match_threshold)
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    local.photos_read,
    { sid = "SearchCollection", actions = ["rekognition:SearchFacesByImage"], resources = [aws_rekognition_collection.riders.arn] },
    # Reads the rider's item, then claims it (a conditional UpdateItem).
    { sid = "ClaimRider", actions = ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.riders.arn] },
  ], local.kms_statements)
  tags = var.tags
}

module "index_face" {
  source             = "../lambda-function"
  function_name      = "${var.name}-index-face"
  description        = "AddFaceToIndex: indexes the face with the user id as ExternalImageId, settles who has a face indexed at once"
  filename           = "${var.artifacts_dir}/lambda/photo_index_face.zip"
  package_upload     = var.package_upload
  handler            = "photo_index_face.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = {
    COLLECTION_ID        = aws_rekognition_collection.riders.collection_id
    QUALITY_FILTER       = var.index_quality_filter
    RIDER_TABLE          = aws_dynamodb_table.riders.name
    FACE_MATCH_THRESHOLD = tostring(var.face_match_threshold)
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    local.photos_read,
    # Indexes the face, searches the collection for it, removes the rider's stray faces (an
    # attempt that timed out after indexing).
    { sid = "IndexFaces", actions = ["rekognition:IndexFaces", "rekognition:SearchFaces", "rekognition:DeleteFaces"], resources = [aws_rekognition_collection.riders.arn] },
    # Records the face on the claim, reads the matching riders' items, marks the losers.
    { sid = "SettleFace", actions = ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources = [aws_dynamodb_table.riders.arn] },
  ], local.kms_statements)
  tags = var.tags
}

module "thumbnail" {
  source             = "../lambda-function"
  function_name      = "${var.name}-thumbnail"
  description        = "Thumbnail: upright JPEG thumbnail of the photo in the thumbnail bucket"
  filename           = "${var.artifacts_dir}/lambda/photo_thumbnail.zip"
  package_upload     = var.package_upload
  handler            = "photo_thumbnail.handler.lambda_handler"
  memory_size        = var.image_memory_size
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.image_limits, {
    THUMBNAIL_BUCKET     = local.thumbnail_bucket
    THUMBNAIL_MAX_SIZE   = tostring(var.thumbnail_max_size)
    POWERTOOLS_LOG_LEVEL = "INFO"
  })
  policy_statements = concat([
    local.photos_read,
    local.photos_list,
    { sid = "WriteThumbnails", actions = ["s3:PutObject"], resources = ["${local.thumbnail_bucket_arn}/${var.upload_prefix}*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "persist_metadata" {
  source             = "../lambda-function"
  function_name      = "${var.name}-persist-metadata"
  description        = "PersistMetadata: records the rider's face id, photo and thumbnail (never overwrites another face)"
  filename           = "${var.artifacts_dir}/lambda/photo_persist_metadata.zip"
  package_upload     = var.package_upload
  handler            = "photo_persist_metadata.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = {
    RIDER_TABLE          = aws_dynamodb_table.riders.name
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    { sid = "WriteRider", actions = ["dynamodb:UpdateItem"], resources = [aws_dynamodb_table.riders.arn] },
  ], local.kms_statements)
  tags = var.tags
}

module "cleanup" {
  source             = "../lambda-function"
  function_name      = "${var.name}-cleanup"
  description        = "RemovePartialRegistration: undoes a failed claim (faces, thumbnail, rider item)"
  filename           = "${var.artifacts_dir}/lambda/photo_cleanup.zip"
  package_upload     = var.package_upload
  handler            = "photo_cleanup.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = {
    COLLECTION_ID        = aws_rekognition_collection.riders.collection_id
    RIDER_TABLE          = aws_dynamodb_table.riders.name
    THUMBNAIL_BUCKET     = local.thumbnail_bucket
    FACE_MATCH_THRESHOLD = tostring(var.face_match_threshold)
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    merge(local.photos_read, { sid = "ReadFailedPhoto" }), # to find the faces it indexed
    # Finds the rider's faces matching the recorded one, or the photo when none was recorded
    # (an index that timed out), and deletes them.
    { sid = "RemoveFaces", actions = ["rekognition:SearchFaces", "rekognition:SearchFacesByImage", "rekognition:DeleteFaces"], resources = [aws_rekognition_collection.riders.arn] },
    { sid = "RemoveThumbnails", actions = ["s3:DeleteObject"], resources = ["${local.thumbnail_bucket_arn}/${var.upload_prefix}*"] },
    { sid = "RemoveClaim", actions = ["dynamodb:GetItem", "dynamodb:DeleteItem"], resources = [aws_dynamodb_table.riders.arn] },
  ], local.kms_statements)
  tags = var.tags
}

module "notification" {
  source             = "../lambda-function"
  function_name      = "${var.name}-notification"
  description        = "PhotoDoesNotMeetRequirement, NotifyFailure: tells the rider why (SES email, SNS message or log)"
  filename           = "${var.artifacts_dir}/lambda/photo_notification.zip"
  package_upload     = var.package_upload
  handler            = "photo_notification.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(
    { POWERTOOLS_LOG_LEVEL = "INFO" },
    var.notification_sender_email == null ? {} : { SENDER_EMAIL = var.notification_sender_email },
    local.topic_arn == null ? {} : { TOPIC_ARN = local.topic_arn },
  )
  policy_statements = concat(
    var.notification_sender_email == null ? [] : [{
      sid        = "EmailRiders"
      actions    = ["ses:SendEmail"]
      resources  = ["arn:${local.partition}:ses:${local.region}:${local.account_id}:identity/*"]
      conditions = [{ test = "StringEquals", variable = "ses:FromAddress", values = [var.notification_sender_email] }]
    }],
    local.topic_arn == null ? [] : [{ sid = "PublishRefusals", actions = ["sns:Publish"], resources = [local.topic_arn] }],
    local.kms_statements,
  )
  tags = var.tags
}

# --- state machine -------------------------------------------------------------------------

locals {
  task_function_arns = [
    module.face_detection.function_arn, module.face_search.function_arn, module.index_face.function_arn,
    module.thumbnail.function_arn, module.persist_metadata.function_arn, module.cleanup.function_arn,
    module.notification.function_arn,
  ]
}

module "state_machine" {
  source = "../state-machine"
  name   = var.name
  definition = templatefile("${path.module}/state_machine.asl.json", {
    face_detection_arn   = module.face_detection.function_arn
    face_search_arn      = module.face_search.function_arn
    index_face_arn       = module.index_face.function_arn
    thumbnail_arn        = module.thumbnail.function_arn
    persist_metadata_arn = module.persist_metadata.function_arn
    cleanup_arn          = module.cleanup.function_arn
    notification_arn     = module.notification.function_arn
    retry                = local.retry
  })
  description = "Execution role of the ${var.name} rider-photo state machine"
  policy_statements = [{
    sid       = "InvokeWorkflowFunctions"
    actions   = ["lambda:InvokeFunction"]
    resources = flatten([for arn in local.task_function_arns : [arn, "${arn}:*"]])
  }]
  tracing_enabled    = var.tracing_enabled
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

# --- trigger: an upload to the photo bucket starts an execution ----------------------------

# Through an EventBridge rule (or, with trigger "s3_notification", the bucket's own
# notification) to the start function, which reads the user id and names the execution after
# the object version: a rule targeting the state machine could do neither.
module "trigger" {
  source             = "../s3-trigger"
  name               = "${var.name}-uploads"
  mode               = var.trigger
  bucket_name        = local.photo_bucket
  bucket_eventbridge = var.create_photo_bucket
  prefix             = var.upload_prefix
  suffixes           = var.photo_suffixes
  function_name      = module.start.function_name
  function_arn       = module.start.function_arn
  retry_policy       = var.trigger_retry_policy
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}
