# The function zips go through one bucket: from S3 the AWS provider creates all the functions at
# once (from local files, one at a time).
module "artifacts_bucket" {
  source        = "../../modules/s3-bucket"
  name          = "${var.name_prefix}-artifacts"
  force_destroy = true
}

# One ffmpeg layer for the account, passed to every media workflow (README).
module "ffmpeg_layer" {
  source          = "../../modules/ffmpeg-layer"
  layer_name      = "${var.name_prefix}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = module.artifacts_bucket.id
}

module "media_convert" {
  source              = "../../modules/media-convert"
  name                = "${var.name_prefix}-media"
  artifacts_dir       = var.artifacts_dir
  ffmpeg_layer_arn    = module.ffmpeg_layer.layer_version_arn
  segment_duration    = 4
  output_height       = 720
  thumbnail_width     = 320
  map_max_concurrency = 4
  package_upload      = { bucket = module.artifacts_bucket.id }
  force_destroy       = true
  log_retention_days  = 7
}

module "sns_fanout" {
  source              = "../../modules/sns-fanout"
  name                = "${var.name_prefix}-videoconverter"
  artifacts_dir       = var.artifacts_dir
  ffmpeg_layer_arn    = module.ffmpeg_layer.layer_version_arn
  transcoder_settings = { timeout = 120 }
  # Every part here shares the machine's cores (on AWS each has its own vCPUs): shorter parts
  # keep each encode within the 120 s (make load's 10-minute source timed out at 60 s parts).
  parts              = { segment_duration = 10 }
  package_upload     = { bucket = module.artifacts_bucket.id }
  force_destroy      = true
  log_retention_days = 7
}

module "rider_photo" {
  source             = "../../modules/rider-photo"
  name               = "${var.name_prefix}-wildrydes"
  artifacts_dir      = var.artifacts_dir
  package_upload     = { bucket = module.artifacts_bucket.id }
  force_destroy      = true
  log_retention_days = 7
  # Short waits between retries keep the demo quick; the default is the workshop's 2 s x 6.
  retry = { interval_seconds = 1, max_attempts = 2, backoff_rate = 1 }
}

# The GraphQL API over the riders and both workflows' runs (API key by default, IAM for the
# EventBridge publishing): the demo queries it and subscribes to onRiderRegistered.
module "graphql_api" {
  source                  = "../../modules/graphql-api"
  name                    = "${var.name_prefix}-graphql"
  artifacts_dir           = var.artifacts_dir
  package_upload          = { bucket = module.artifacts_bucket.id }
  rider_table_name        = module.rider_photo.table_name
  rider_table_arn         = module.rider_photo.table_arn
  rider_state_machine_arn = module.rider_photo.state_machine_arn
  media_workflow          = { state_machine_arn = module.media_convert.state_machine_arn }
  log_retention_days      = 7
}

module "glue_medallion" {
  source        = "../../modules/glue-medallion"
  name          = "${var.name_prefix}-retail"
  force_destroy = true
  # Local runs take seconds: poll crawlers every second (the default 30 s suits AWS).
  crawler_poll_seconds   = 1
  retry_interval_seconds = 1
  log_retention_days     = 7
}
