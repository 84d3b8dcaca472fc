# Foundation acceptance root: the shared Lambda submodule with the ffmpeg layer, a state machine
# exercising Retry and Catch on a Lambda task, and an S3 upload triggering a function.

resource "aws_s3_bucket" "artifacts" {
  bucket        = "${var.prefix}-artifacts"
  force_destroy = true
}

resource "aws_s3_bucket" "uploads" {
  bucket        = "${var.prefix}-uploads"
  force_destroy = true
}

resource "aws_s3_bucket" "results" {
  bucket        = "${var.prefix}-results"
  force_destroy = true
}

module "ffmpeg_layer" {
  source          = "../../../terraform/modules/ffmpeg-layer"
  layer_name      = "${var.prefix}-ffmpeg"
  filename        = var.layer_zip
  artifact_bucket = aws_s3_bucket.artifacts.id
}

module "toolcheck" {
  source        = "../../../terraform/modules/lambda-function"
  function_name = "${var.prefix}-toolcheck"
  filename      = "${var.build_dir}/lambda/toolcheck.zip"
  handler       = "toolcheck.handler.lambda_handler"
  timeout       = 30
  layers        = [module.ffmpeg_layer.layer_version_arn]
}

module "flaky" {
  source        = "../../../terraform/modules/lambda-function"
  function_name = "${var.prefix}-flaky"
  filename      = "${var.build_dir}/lambda/flaky.zip"
  handler       = "flaky.handler.lambda_handler"
  timeout       = 10
}

module "recorder" {
  source        = "../../../terraform/modules/lambda-function"
  function_name = "${var.prefix}-s3-recorder"
  filename      = "${var.build_dir}/lambda/s3_recorder.zip"
  handler       = "s3_recorder.handler.lambda_handler"
  environment   = { RESULT_BUCKET = aws_s3_bucket.results.id }
  policy_statements = [{
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.results.arn}/received/*"]
  }]
}

resource "aws_lambda_permission" "uploads" {
  statement_id   = "AllowUploadsBucket"
  action         = "lambda:InvokeFunction"
  function_name  = module.recorder.function_name
  principal      = "s3.amazonaws.com"
  source_arn     = aws_s3_bucket.uploads.arn
  source_account = data.aws_caller_identity.current.account_id
}

data "aws_caller_identity" "current" {}

resource "aws_s3_bucket_notification" "uploads" {
  bucket = aws_s3_bucket.uploads.id

  lambda_function {
    lambda_function_arn = module.recorder.function_arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
  }

  depends_on = [aws_lambda_permission.uploads]
}

resource "aws_iam_role" "states" {
  name = "${var.prefix}-states"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "states" {
  role = aws_iam_role.states.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [module.flaky.function_arn, "${module.flaky.function_arn}:*"]
    }]
  })
}

resource "aws_sfn_state_machine" "retry_catch" {
  name     = "${var.prefix}-retry-catch"
  role_arn = aws_iam_role.states.arn
  definition = jsonencode(jsondecode(templatefile("${path.module}/retry_catch.asl.json", {
    flaky_arn = module.flaky.function_arn
  })))
}
