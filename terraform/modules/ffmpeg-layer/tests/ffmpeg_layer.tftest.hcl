# Plan-level checks of the layer module with a mocked AWS provider: no credentials, no endpoint.
mock_provider "aws" {}

variables {
  filename        = "../../../build/layers/ffmpeg.zip" # `make package`
  artifact_bucket = "orders-artifacts"
}

run "published_through_s3_under_a_content_addressed_key" {
  command = plan

  assert {
    condition     = aws_s3_object.layer.bucket == "orders-artifacts" && aws_s3_object.layer.key == "lambda-layers/ffmpeg-${filesha256(var.filename)}.zip"
    error_message = "The zip is uploaded to the artifact bucket under a key ending with its sha256."
  }
  assert {
    condition     = aws_lambda_layer_version.this.layer_name == "ffmpeg" && aws_lambda_layer_version.this.s3_key == aws_s3_object.layer.key
    error_message = "The layer version is published from the uploaded object."
  }
  assert {
    condition     = aws_lambda_layer_version.this.source_code_hash == filebase64sha256(var.filename)
    error_message = "A new build publishes a new version; an unchanged one plans no change."
  }
  assert {
    condition     = aws_lambda_layer_version.this.compatible_architectures == toset(["x86_64"]) && aws_lambda_layer_version.this.license_info == "GPL-3.0-or-later"
    error_message = "The static binaries are x86_64 and GPL-3.0-or-later."
  }
}

run "named_from_the_caller" {
  command = plan

  variables {
    layer_name          = "orders-ffmpeg"
    artifact_key_prefix = "layers/"
  }

  assert {
    condition     = aws_lambda_layer_version.this.layer_name == "orders-ffmpeg" && startswith(aws_s3_object.layer.key, "layers/orders-ffmpeg-")
    error_message = "layer_name names the layer and its uploaded zip."
  }
}

run "rejects_invalid_names_and_files" {
  command = plan

  variables {
    layer_name = "ffmpeg layer"
    filename   = "../../../build/layers/ffmpeg.tar"
  }

  expect_failures = [var.layer_name, var.filename]
}
