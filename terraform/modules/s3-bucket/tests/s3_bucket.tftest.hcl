# Plan-level checks of the bucket module with a mocked AWS provider: no credentials, no endpoint.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "orders-uploads"
      arn = "arn:aws:s3:::orders-uploads"
    }
  }
}

variables {
  name = "orders-uploads"
}

run "private_encrypted_tls_only_by_default" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "orders-uploads" && !aws_s3_bucket.this.force_destroy
    error_message = "The bucket takes its name and keeps its objects on destroy."
  }
  assert {
    condition = alltrue([
      aws_s3_bucket_public_access_block.this.block_public_acls,
      aws_s3_bucket_public_access_block.this.block_public_policy,
      aws_s3_bucket_public_access_block.this.ignore_public_acls,
      aws_s3_bucket_public_access_block.this.restrict_public_buckets,
    ])
    error_message = "Every public access setting is blocked."
  }
  assert {
    condition     = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs are disabled."
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Without a KMS key the bucket uses SSE-S3."
  }
  assert {
    condition = jsondecode(aws_s3_bucket_policy.tls_only.policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::orders-uploads", "arn:aws:s3:::orders-uploads/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "The bucket policy only denies requests without TLS."
  }
  assert {
    condition     = length(aws_s3_bucket_versioning.this) == 0
    error_message = "Versioning is opt-in."
  }
  assert {
    condition = [for r in aws_s3_bucket_lifecycle_configuration.this.rule : [r.id, one(r.filter).prefix, one(r.abort_incomplete_multipart_upload).days_after_initiation, length(r.expiration)]] == [
      ["abort-incomplete-multipart-uploads", "", 1, 0],
    ]
    error_message = "Incomplete multipart uploads are aborted after a day; nothing expires unless asked."
  }
}

run "kms_versioning_and_expiry" {
  command = plan

  variables {
    kms_key_arn     = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    versioning      = true
    expire_prefixes = ["jobs/", "tmp/"]
    expiration_days = 3
  }

  assert {
    condition = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default) == {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = "arn:aws:kms:eu-west-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    }
    error_message = "A KMS key switches the bucket to SSE-KMS with that key."
  }
  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    error_message = "SSE-KMS uses a bucket key (fewer KMS requests)."
  }
  assert {
    condition     = one(aws_s3_bucket_versioning.this[0].versioning_configuration).status == "Enabled"
    error_message = "versioning = true enables versioning."
  }
  assert {
    condition = [for r in slice(aws_s3_bucket_lifecycle_configuration.this.rule, 1, 3) : [r.id, one(r.filter).prefix, one(r.expiration).days]] == [
      ["expire-jobs-", "jobs/", 3], ["expire-tmp-", "tmp/", 3],
    ]
    error_message = "Each intermediate prefix expires after expiration_days."
  }
}

run "rejects_invalid_bucket_names_zero_expiration_and_bucket_wide_expiry" {
  command = plan

  variables {
    name            = "Orders_Uploads"
    expiration_days = 0
    expire_prefixes = ["jobs/", ""]
  }

  expect_failures = [var.name, var.expiration_days, var.expire_prefixes]
}
