# A platform team's root: a bucket of its own that already notifies a queue of its own and feeds
# a rule of its own, and two toolkit workflows on it (media-convert on videos/, sns-fanout on
# clips/) sharing one ffmpeg layer. Each workflow adds an EventBridge rule; none touches the
# bucket's notification configuration, so a second plan is empty.

variable "endpoint" {
  description = "URL of the local AWS."
  type        = string
}

variable "artifacts_dir" {
  description = "build/ directory of `make package`."
  type        = string
}

variable "name" {
  description = "Name prefix, unique per test run."
  type        = string
}

data "aws_caller_identity" "current" {}

# --- the platform team's own bucket, queue and rule -------------------------------------------

resource "aws_s3_bucket" "media" {
  bucket        = "${var.name}-media"
  force_destroy = true
}

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${var.name}-artifacts"
  force_destroy = true
}

resource "aws_sqs_queue" "reports" {
  name                    = "${var.name}-reports"
  sqs_managed_sse_enabled = true
}

resource "aws_sqs_queue_policy" "reports" {
  queue_url = aws_sqs_queue.reports.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTheMediaBucket"
      Effect    = "Allow"
      Principal = { Service = "s3.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.reports.arn
      Condition = {
        ArnEquals    = { "aws:SourceArn" = aws_s3_bucket.media.arn }
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      }
    }]
  })
}

# The bucket's whole notification configuration stays here, the owner's: its own queue, and
# EventBridge on, which the workflows' rules read (their READMEs ask for it).
resource "aws_s3_bucket_notification" "media" {
  bucket      = aws_s3_bucket.media.id
  eventbridge = true

  queue {
    id            = "reports"
    queue_arn     = aws_sqs_queue.reports.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "reports/"
  }

  depends_on = [aws_sqs_queue_policy.reports]
}

resource "aws_sqs_queue" "audit" {
  name                    = "${var.name}-audit"
  sqs_managed_sse_enabled = true
}

resource "aws_cloudwatch_event_rule" "audit" {
  name = "${var.name}-audit"
  event_pattern = jsonencode({
    source        = ["aws.s3"]
    "detail-type" = ["Object Created"]
    detail = {
      bucket = { name = [aws_s3_bucket.media.id] }
      object = { key = [{ prefix = "audit/" }] }
    }
  })
}

resource "aws_sqs_queue_policy" "audit" {
  queue_url = aws_sqs_queue.audit.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "FromTheAuditRule"
      Effect    = "Allow"
      Principal = { Service = "events.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.audit.arn
      Condition = { ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.audit.arn } }
    }]
  })
}

resource "aws_cloudwatch_event_target" "audit" {
  rule = aws_cloudwatch_event_rule.audit.name
  arn  = aws_sqs_queue.audit.arn

  depends_on = [aws_sqs_queue_policy.audit]
}

# --- the toolkit: one ffmpeg layer, two workflows on the bucket -------------------------------

module "ffmpeg_layer" {
  source          = "../../../terraform/modules/ffmpeg-layer"
  layer_name      = "${var.name}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = aws_s3_bucket.artifacts.id
}

module "media_convert" {
  source               = "../../../terraform/modules/media-convert"
  name                 = "${var.name}-mc"
  artifacts_dir        = var.artifacts_dir
  create_source_bucket = false
  source_bucket_name   = aws_s3_bucket.media.id
  source_prefix        = "videos/"
  ffmpeg_layer_arn     = module.ffmpeg_layer.layer_version_arn
  segment_duration     = 2
  output_height        = 240
  x264_preset          = "ultrafast"
  thumbnail_width      = 160
  force_destroy        = true
  log_retention_days   = 7
  alarms_enabled       = false # the other e2e roots test them; fewer alarms to evaluate here
  dashboard_enabled    = false
}

module "sns_fanout" {
  source               = "../../../terraform/modules/sns-fanout"
  name                 = "${var.name}-fo"
  artifacts_dir        = var.artifacts_dir
  create_source_bucket = false
  source_bucket_name   = aws_s3_bucket.media.id
  input_prefix         = "clips/"
  ffmpeg_layer_arn     = module.ffmpeg_layer.layer_version_arn
  renditions           = { "180p" = { height = 180, video_crf = 30, audio_bitrate = "64k" } }
  x264_preset          = "ultrafast"
  transcoder_settings  = { timeout = 60, memory_size = 1024, ephemeral_storage = 1024 }
  max_concurrency      = 2
  force_destroy        = true
  log_retention_days   = 7
  alarms_enabled       = false
  dashboard_enabled    = false
}

output "bucket" {
  value = aws_s3_bucket.media.id
}

output "reports_queue_url" {
  value = aws_sqs_queue.reports.id
}

output "audit_queue_url" {
  value = aws_sqs_queue.audit.id
}

output "ffmpeg_layer_arn" {
  value = module.ffmpeg_layer.layer_version_arn
}

output "media_convert" {
  value = module.media_convert
}

output "sns_fanout" {
  value = module.sns_fanout
}
