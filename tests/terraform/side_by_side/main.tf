# Two instances of every workflow module side by side in one account, as a platform team's root
# holds them, with one shared ffmpeg layer. Planned, never applied, by
# tests/terraform/test_side_by_side.py: no two resources share a name, every name comes from its
# instance's `name`, and every state machine's definition is known in this first plan. Instance
# "b" of media-convert reads an existing source bucket (b_* variables), or misuses the options;
# rider-photo "a" may be given the name of an existing photo bucket that is not there.

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

variable "a_photo_bucket_name" {
  description = "An existing photo bucket for rider-photo a; null creates one."
  type        = string
  default     = null
}

variable "b_create_source_bucket" {
  description = "media-convert b's create_source_bucket."
  type        = bool
  default     = true
}

variable "b_source_bucket_name" {
  description = "media-convert b's source_bucket_name."
  type        = string
  default     = null
}

variable "b_artifacts_dir" {
  description = "media-convert b's artifacts_dir (default: artifacts_dir)."
  type        = string
  default     = null
}

locals {
  instances = toset(["a", "b"])
}

module "artifacts_bucket" {
  source        = "../../../terraform/modules/s3-bucket"
  name          = "${var.name}-artifacts"
  force_destroy = true
}

# One ffmpeg layer for the account, passed to every media workflow.
module "ffmpeg_layer" {
  source          = "../../../terraform/modules/ffmpeg-layer"
  layer_name      = "${var.name}-ffmpeg"
  filename        = "${var.artifacts_dir}/layers/ffmpeg.zip"
  artifact_bucket = module.artifacts_bucket.id
}

module "media_convert" {
  for_each             = local.instances
  source               = "../../../terraform/modules/media-convert"
  name                 = "${var.name}-${each.key}-media"
  artifacts_dir        = each.key == "b" ? coalesce(var.b_artifacts_dir, var.artifacts_dir) : var.artifacts_dir
  ffmpeg_layer_arn     = module.ffmpeg_layer.layer_version_arn
  create_source_bucket = each.key == "b" ? var.b_create_source_bucket : true
  source_bucket_name   = each.key == "b" ? var.b_source_bucket_name : null
  # b: the other backend and Map mode, so that both definitions are checked
  transcoder         = each.key == "b" ? "mediaconvert" : "ffmpeg"
  map_mode           = each.key == "b" ? "distributed" : "inline"
  create_alarm_topic = true
}

module "sns_fanout" {
  for_each           = local.instances
  source             = "../../../terraform/modules/sns-fanout"
  name               = "${var.name}-${each.key}-fanout"
  artifacts_dir      = var.artifacts_dir
  ffmpeg_layer_arn   = module.ffmpeg_layer.layer_version_arn
  create_alarm_topic = true
}

# Named <...>-riders: the table must not be <...>-riders-riders.
module "rider_photo" {
  for_each            = local.instances
  source              = "../../../terraform/modules/rider-photo"
  name                = "${var.name}-${each.key}-riders"
  artifacts_dir       = var.artifacts_dir
  create_photo_bucket = each.key == "a" ? var.a_photo_bucket_name == null : true
  photo_bucket_name   = each.key == "a" ? var.a_photo_bucket_name : null
  create_api          = true
  create_alarm_topic  = true
}

module "glue_medallion" {
  for_each            = local.instances
  source              = "../../../terraform/modules/glue-medallion"
  name                = "${var.name}-${each.key}-retail"
  create_alert_topic  = true
  schedule_expression = "rate(1 day)"
  create_alarm_topic  = true
}
