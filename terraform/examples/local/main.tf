module "media_convert" {
  source              = "../../modules/media-convert"
  name                = "${var.name_prefix}-media"
  artifacts_dir       = var.artifacts_dir
  segment_duration    = 4
  output_height       = 720
  thumbnail_width     = 320
  map_max_concurrency = 4
  force_destroy       = true
  log_retention_days  = 7
}
