data "aws_partition" "current" {}

data "aws_region" "current" {}

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
  source_bucket = var.create_source_bucket ? module.source_bucket[0].id : data.aws_s3_bucket.source[0].id
  output_bucket = var.create_output_bucket ? module.output_bucket[0].id : data.aws_s3_bucket.output[0].id
  source_arn    = var.create_source_bucket ? module.source_bucket[0].arn : data.aws_s3_bucket.source[0].arn
  output_arn    = var.create_output_bucket ? module.output_bucket[0].arn : data.aws_s3_bucket.output[0].arn

  # What the functions and the layer are made from, checked together (variables.tf).
  artifacts = concat(
    ["manifest.json"],
    [for fn in concat(["start", "split", "merge", "cleanup"], var.transcoder == "mediaconvert" ? ["job"] : ["encode"]) : "lambda/media_${fn}.zip"],
    var.ffmpeg_layer_arn == null ? ["layers/ffmpeg.zip"] : [],
  )
  work_prefix  = "jobs/"
  layer_arn    = var.ffmpeg_layer_arn != null ? var.ffmpeg_layer_arn : module.ffmpeg_layer[0].layer_version_arn
  tracing_mode = var.tracing_enabled ? "Active" : null
  mediaconvert = var.transcoder == "mediaconvert"

  # The scale model (lambda_src/media_common/scale_model.py, README "Scale"): the split needs 3x
  # the upload in /tmp (source, parts, audio), the merge 2x (encoded parts, merged output, no
  # larger than the upload), an encode 2x its part, which is the whole upload when the source
  # has one keyframe.
  split_bytes     = var.function_settings.split.ephemeral_storage * 1048576
  max_input_bytes = coalesce(var.max_input_bytes, floor(local.split_bytes / 3))

  kms_statements = var.kms_key_arn == null ? [] : [{
    sid        = "UseWorkflowKey"
    actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources  = [var.kms_key_arn]
    conditions = []
  }]

  common_environment = {
    WORK_BUCKET          = module.work_bucket.id
    WORK_PREFIX          = local.work_prefix
    OUTPUT_BUCKET        = local.output_bucket
    OUTPUT_PREFIX        = var.output_prefix
    CLEANUP_INTERMEDIATE = tostring(var.cleanup_intermediate)
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
}

# --- buckets -------------------------------------------------------------------------------

module "source_bucket" {
  count         = var.create_source_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.source_bucket_name, "${var.name}-source")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

module "output_bucket" {
  count         = var.create_output_bucket ? 1 : 0
  source        = "../s3-bucket"
  name          = coalesce(var.output_bucket_name, "${var.name}-output")
  kms_key_arn   = var.kms_key_arn
  force_destroy = var.force_destroy
  tags          = var.tags
}

# Parts, encoded parts and the published layer zip; job files expire if cleanup is off or fails.
module "work_bucket" {
  source          = "../s3-bucket"
  name            = "${var.name}-work"
  kms_key_arn     = var.kms_key_arn
  expire_prefixes = [local.work_prefix]
  expiration_days = var.work_expiration_days
  force_destroy   = true # holds only intermediate files and build artefacts
  tags            = var.tags
}

module "ffmpeg_layer" {
  count           = var.ffmpeg_layer_arn == null ? 1 : 0
  source          = "../ffmpeg-layer"
  layer_name      = "${var.name}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = module.work_bucket.id
  tags            = var.tags
}

# --- functions -----------------------------------------------------------------------------

module "start" {
  source             = "../lambda-function"
  function_name      = "${var.name}-start"
  description        = "Starts one media-convert execution per uploaded video (idempotent per object version)"
  filename           = "${var.artifacts_dir}/lambda/media_start.zip"
  package_upload     = var.package_upload
  handler            = "media_start.handler.lambda_handler"
  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  # S3 invokes it asynchronously: an upload whose start still fails after the retries is kept.
  create_dead_letter_queue = true
  environment              = { STATE_MACHINE_ARN = module.state_machine.arn, POWERTOOLS_LOG_LEVEL = "INFO" }
  policy_statements = [{
    sid       = "StartThisWorkflow"
    actions   = ["states:StartExecution"]
    resources = [module.state_machine.arn]
  }]
  tags = var.tags
}

module "split" {
  source             = "../lambda-function"
  function_name      = "${var.name}-split"
  description        = "SplitVideoFile: checks the upload and plans its parts (chunks from keyframes, audio once)"
  filename           = "${var.artifacts_dir}/lambda/media_split.zip"
  package_upload     = var.package_upload
  handler            = "media_split.handler.lambda_handler"
  memory_size        = var.function_settings.split.memory_size
  timeout            = var.function_settings.split.timeout
  ephemeral_storage  = var.function_settings.split.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.common_environment, {
    SEGMENT_DURATION = tostring(var.segment_duration)
    MAX_INPUT_BYTES  = tostring(local.max_input_bytes)
    TRANSCODER       = var.transcoder # MediaConvert jobs read the chunks the split cuts
  })
  policy_statements = concat([
    { sid = "ReadUploads", actions = ["s3:GetObject"], resources = ["${local.source_arn}/${var.source_prefix}*"] },
    { sid = "WriteParts", actions = ["s3:PutObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "encode" {
  count              = local.mediaconvert ? 0 : 1
  source             = "../lambda-function"
  function_name      = "${var.name}-encode"
  description        = "ParallelMediaConvert: encodes one part to H.264; the first part also gives the thumbnail"
  filename           = "${var.artifacts_dir}/lambda/media_encode.zip"
  package_upload     = var.package_upload
  handler            = "media_encode.handler.lambda_handler"
  memory_size        = var.function_settings.encode.memory_size
  timeout            = var.function_settings.encode.timeout
  ephemeral_storage  = var.function_settings.encode.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = merge(local.common_environment, {
    OUTPUT_HEIGHT   = tostring(var.output_height)
    VIDEO_CRF       = tostring(var.video_crf)
    X264_PRESET     = var.x264_preset
    THUMBNAIL_WIDTH = tostring(var.thumbnail_width)
  }, var.video_bitrate == null ? {} : { VIDEO_BITRATE = var.video_bitrate })
  policy_statements = concat([
    # An MP4/QuickTime upload's chunks and audio are read from the upload itself (byte ranges).
    { sid = "ReadUploads", actions = ["s3:GetObject"], resources = ["${local.source_arn}/${var.source_prefix}*"] },
    { sid = "ReadJobFiles", actions = ["s3:GetObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*"] },
    { sid = "WriteEncodedParts", actions = ["s3:PutObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*"] },
    { sid = "WriteThumbnail", actions = ["s3:PutObject"], resources = ["${local.output_arn}/${var.output_prefix}*"] },
  ], local.kms_statements)
  tags = var.tags
}

# MediaConvert backend: the job of each part, from the reviewed template mediaconvert_job.json.
module "prepare" {
  count              = local.mediaconvert ? 1 : 0
  source             = "../lambda-function"
  function_name      = "${var.name}-prepare-job"
  description        = "PrepareMediaConvertJob: the MediaConvert job settings of one part"
  filename           = "${var.artifacts_dir}/lambda/media_job.zip"
  package_upload     = var.package_upload
  handler            = "media_job.handler.lambda_handler"
  memory_size        = 256
  timeout            = 30
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment = {
    OUTPUT_HEIGHT        = tostring(var.output_height)
    THUMBNAIL_WIDTH      = tostring(var.thumbnail_width)
    POWERTOOLS_LOG_LEVEL = "INFO"
  }
  policy_statements = concat([
    { sid = "ReadManifests", actions = ["s3:GetObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*/manifest.json"] },
  ], local.kms_statements)
  tags = var.tags
}

# The role MediaConvert jobs run with: read the parts, write encoded parts and frame captures.
resource "aws_iam_role" "mediaconvert" {
  count       = local.mediaconvert ? 1 : 0
  name        = "${var.name}-mediaconvert"
  description = "MediaConvert jobs of the ${var.name} media-convert workflow"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "mediaconvert.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id } }
    }]
  })
  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.thumbnail_width >= 32 && var.output_height >= 32
      error_message = "MediaConvert outputs are at least 32 pixels wide and high: raise thumbnail_width."
    }
  }
}

resource "aws_iam_role_policy" "mediaconvert" {
  count = local.mediaconvert ? 1 : 0
  name  = "least-privilege"
  role  = aws_iam_role.mediaconvert[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        Sid      = "ReadParts"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = ["${module.work_bucket.arn}/${local.work_prefix}*/parts/*"]
      },
      {
        Sid      = "WriteEncodedPartsAndFrameCaptures"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["${module.work_bucket.arn}/${local.work_prefix}*/encoded/*", "${module.work_bucket.arn}/${local.work_prefix}*/thumbnail/*"]
      }],
      [for statement in local.kms_statements : {
        Sid      = statement.sid
        Effect   = "Allow"
        Action   = statement.actions
        Resource = statement.resources
      }]
    )
  })
}

module "merge" {
  source             = "../lambda-function"
  function_name      = "${var.name}-merge"
  description        = "MergeVideoFile: joins the encoded parts, adds the audio once, publishes the MP4"
  filename           = "${var.artifacts_dir}/lambda/media_merge.zip"
  package_upload     = var.package_upload
  handler            = "media_merge.handler.lambda_handler"
  memory_size        = var.function_settings.merge.memory_size
  timeout            = var.function_settings.merge.timeout
  ephemeral_storage  = var.function_settings.merge.ephemeral_storage
  layers             = [local.layer_arn]
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment        = merge(local.common_environment, { TRANSCODER = var.transcoder })
  policy_statements = concat([
    { sid = "ReadAndClearJobFiles", actions = ["s3:GetObject", "s3:DeleteObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*"] },
    { sid = "ListJobFiles", actions = ["s3:ListBucket"], resources = [module.work_bucket.arn], conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["${local.work_prefix}*"] }] },
    { sid = "PublishOutput", actions = ["s3:PutObject"], resources = ["${local.output_arn}/${var.output_prefix}*"] },
  ], local.kms_statements)
  tags = var.tags
}

module "cleanup" {
  source             = "../lambda-function"
  function_name      = "${var.name}-cleanup"
  description        = "Deletes a failed job's intermediate files"
  filename           = "${var.artifacts_dir}/lambda/media_cleanup.zip"
  package_upload     = var.package_upload
  handler            = "media_cleanup.handler.lambda_handler"
  memory_size        = 256
  timeout            = 120
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = local.tracing_mode
  environment        = local.common_environment
  policy_statements = [
    { sid = "DeleteJobFiles", actions = ["s3:DeleteObject"], resources = ["${module.work_bucket.arn}/${local.work_prefix}*"] },
    { sid = "ListJobFiles", actions = ["s3:ListBucket"], resources = [module.work_bucket.arn], conditions = [{ test = "StringLike", variable = "s3:prefix", values = ["${local.work_prefix}*"] }] },
  ]
  tags = var.tags
}

# --- state machine -------------------------------------------------------------------------

locals {
  task_function_arns = concat(
    [module.split.function_arn, module.merge.function_arn, module.cleanup.function_arn],
    module.encode[*].function_arn, module.prepare[*].function_arn,
  )
  distributed          = var.map_mode == "distributed"
  map_run_label        = "Parts"
  states_arn_prefix    = "arn:${data.aws_partition.current.partition}:states:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
  state_machine_arn    = "${local.states_arn_prefix}:stateMachine:${var.name}"
  execution_arn_prefix = "${local.states_arn_prefix}:execution:${var.name}"
  # A part per child execution: STANDARD, as an encode may outrun an Express execution's 5
  # minutes and MediaConvert's createJob.sync is not available to Express workflows.
  processor_config        = jsonencode(local.distributed ? { Mode = "DISTRIBUTED", ExecutionType = "STANDARD" } : { Mode = "INLINE" })
  mediaconvert_arn_prefix = "arn:${data.aws_partition.current.partition}:mediaconvert:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"

  state_machine_statements = concat(
    [{
      sid       = "InvokeWorkflowFunctions"
      actions   = ["lambda:InvokeFunction"]
      resources = flatten([for arn in local.task_function_arns : [arn, "${arn}:*"]])
    }],
    [for statement in [
      {
        # createJob.sync submits the job, reads its status and cancels it if the execution
        # stops. "Because MediaConvert provides partial support for resource-level access
        # control, you must use "Resource": "*"" (Step Functions Developer Guide, IAM policies
        # for MediaConvert); the Service Authorization Reference has no aws:ResourceTag key for
        # jobs. CreateJob also authorizes mediaconvert:TagResource (same reference): Step
        # Functions tags every job ManagedByService=AWSStepFunctions.
        sid       = "RunMediaConvertJobs"
        actions   = ["mediaconvert:CreateJob", "mediaconvert:GetJob", "mediaconvert:CancelJob", "mediaconvert:TagResource"]
        resources = ["*"]
      },
      {
        sid        = "PassTheMediaConvertRole"
        actions    = ["iam:PassRole"]
        resources  = aws_iam_role.mediaconvert[*].arn
        conditions = [{ test = "StringEquals", variable = "iam:PassedToService", values = ["mediaconvert.amazonaws.com"] }]
      },
      {
        # The EventBridge rule Step Functions manages to learn when a .sync job ends.
        sid       = "ManageTheJobEventsRule"
        actions   = ["events:PutTargets", "events:PutRule", "events:DescribeRule"]
        resources = ["arn:${data.aws_partition.current.partition}:events:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:rule/StepFunctionsGetEventsForMediaConvertJobRule"]
      },
    ] : statement if local.mediaconvert],
    [for statement in [
      {
        # "IAM policies for using Distributed Map states": the role starts the child executions
        # on its own state machine and describes and stops them. The ARNs are built from the
        # name: naming module.state_machine.arn here would make its role policy depend on it.
        sid       = "StartPartExecutions"
        actions   = ["states:StartExecution"]
        resources = [local.state_machine_arn]
      },
      {
        sid       = "ManagePartExecutions"
        actions   = ["states:DescribeExecution", "states:StopExecution"]
        resources = ["${local.execution_arn_prefix}/${local.map_run_label}:*"]
      },
    ] : statement if local.distributed],
  )

  # The backend's Map iteration: an encode Lambda, or a MediaConvert job per part.
  item_processor = local.mediaconvert ? templatefile("${path.module}/item_processor.mediaconvert.asl.json", {
    processor_config     = local.processor_config
    prepare_function_arn = module.prepare[0].function_arn
    job_template = jsonencode(jsondecode(templatefile("${path.module}/mediaconvert_job.json", {
      role_arn             = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/${aws_iam_role.mediaconvert[0].name}" # known at plan
      name                 = var.name
      qvbr_quality_level   = var.mediaconvert_qvbr_quality_level
      max_bitrate          = var.mediaconvert_max_bitrate
      quality_tuning_level = var.mediaconvert_quality_tuning_level
    })))
    }) : templatefile("${path.module}/item_processor.ffmpeg.asl.json", {
    processor_config    = local.processor_config
    encode_function_arn = module.encode[0].function_arn
  })
}

module "state_machine" {
  source = "../state-machine"
  name   = var.name
  # Rendered from the ASL template; the module re-encodes it so formatting never causes a diff.
  definition = templatefile("${path.module}/state_machine.asl.json", {
    split_function_arn   = module.split.function_arn
    item_processor       = local.item_processor
    merge_function_arn   = module.merge.function_arn
    cleanup_function_arn = module.cleanup.function_arn
    max_concurrency      = var.map_max_concurrency
    distributed          = local.distributed
    map_run_label        = local.map_run_label
  })
  description        = "Execution role of the ${var.name} media-convert state machine"
  policy_statements  = local.state_machine_statements
  tracing_enabled    = var.tracing_enabled
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags
}

# --- trigger -------------------------------------------------------------------------------

data "aws_caller_identity" "current" {}

# Uploads reach the start function through an EventBridge rule (or, with trigger
# "s3_notification", the bucket's own notification): the function names each execution after the
# object version, which a rule targeting the state machine could not do.
module "trigger" {
  source             = "../s3-trigger"
  name               = "${var.name}-uploads"
  mode               = var.trigger
  bucket_name        = local.source_bucket
  bucket_eventbridge = var.create_source_bucket
  prefix             = var.source_prefix
  suffixes           = var.source_suffixes
  function_name      = module.start.function_name
  function_arn       = module.start.function_arn
  retry_policy       = var.trigger_retry_policy
  kms_key_arn        = var.kms_key_arn
  tags               = var.tags

  # Uploads start executions: MediaConvert's own role must be able to act by then.
  depends_on = [aws_iam_role_policy.mediaconvert]
}
