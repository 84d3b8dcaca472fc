locals {
  zip_sha256 = filesha256(var.filename)
}

# Published through S3 because the zip (~59 MB) exceeds the 50 MB limit of a direct upload.
resource "aws_s3_object" "layer" {
  bucket      = var.artifact_bucket
  key         = "${var.artifact_key_prefix}${var.layer_name}-${local.zip_sha256}.zip"
  source      = var.filename
  source_hash = local.zip_sha256
  tags        = var.tags
}

resource "aws_lambda_layer_version" "this" {
  layer_name               = var.layer_name
  description              = "Static ffmpeg and ffprobe in /opt/bin"
  s3_bucket                = aws_s3_object.layer.bucket
  s3_key                   = aws_s3_object.layer.key
  source_code_hash         = filebase64sha256(var.filename)
  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = ["x86_64"]
  license_info             = var.license_info
}
