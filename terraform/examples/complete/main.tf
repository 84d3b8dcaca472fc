# The four workflows as a platform team deploys them: one prefix, one key, one log retention,
# tags from the provider. Function artefacts come from `make package` (artifacts_dir).

# S3 upload -> split -> parallel encode + thumbnail -> merge. Publishes the ffmpeg layer the
# fan-out reuses.
module "media_convert" {
  source             = "../../modules/media-convert"
  name               = "${var.name_prefix}-media"
  artifacts_dir      = var.artifacts_dir
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
  ffmpeg_layer_arn   = module.media_convert.ffmpeg_layer_arn
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
