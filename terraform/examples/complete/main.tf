# The four workflows as a platform team deploys them: one prefix, one key, one log retention,
# tags from the provider. Function artefacts come from `make package` (artifacts_dir).

# One ffmpeg layer for the account (and Region), passed to every media workflow: a workflow
# without ffmpeg_layer_arn would publish a 59 MB layer of its own. Its zip goes through this bucket.
module "artifacts_bucket" {
  source      = "../../modules/s3-bucket"
  name        = "${var.name_prefix}-artifacts"
  kms_key_arn = aws_kms_key.workflows.arn
}

module "ffmpeg_layer" {
  source          = "../../modules/ffmpeg-layer"
  layer_name      = "${var.name_prefix}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = module.artifacts_bucket.id
}

# S3 upload -> split -> parallel encode + thumbnail -> merge.
module "media_convert" {
  source             = "../../modules/media-convert"
  name               = "${var.name_prefix}-media"
  artifacts_dir      = var.artifacts_dir
  ffmpeg_layer_arn   = module.ffmpeg_layer.layer_version_arn
  kms_key_arn        = aws_kms_key.workflows.arn
  log_retention_days = var.log_retention_days
  tracing_enabled    = var.tracing_enabled
  alarm_actions      = [aws_sns_topic.operations.arn]
}

# S3 upload -> SNS -> one SQS queue and transcoder per rendition.
module "sns_fanout" {
  source             = "../../modules/sns-fanout"
  name               = "${var.name_prefix}-fanout"
  artifacts_dir      = var.artifacts_dir
  ffmpeg_layer_arn   = module.ffmpeg_layer.layer_version_arn
  kms_key_arn        = aws_kms_key.workflows.arn
  log_retention_days = var.log_retention_days
  tracing_enabled    = var.tracing_enabled
  alarm_actions      = [aws_sns_topic.operations.arn]
}

# Rider photo upload -> face checks -> index, thumbnail and metadata; refusals notified.
module "rider_photo" {
  source                    = "../../modules/rider-photo"
  name                      = "${var.name_prefix}-riders"
  artifacts_dir             = var.artifacts_dir
  collection_id             = "${var.name_prefix}-rider-faces"
  notification_sender_email = var.rider_notification_sender_email
  create_api                = var.rider_photo_api
  deletion_protection       = true
  kms_key_arn               = aws_kms_key.workflows.arn
  log_retention_days        = var.log_retention_days
  tracing_enabled           = var.tracing_enabled
  alarm_actions             = [aws_sns_topic.operations.arn]
}

# Raw retail CSV -> bronze -> silver -> gold on Glue, daily; failures alert an SNS topic.
module "glue_medallion" {
  source              = "../../modules/glue-medallion"
  name                = "${var.name_prefix}-retail"
  schedule_expression = var.medallion_schedule
  create_alert_topic  = true
  kms_key_arn         = aws_kms_key.workflows.arn
  log_retention_days  = var.log_retention_days
  alarm_actions       = [aws_sns_topic.operations.arn]
}
