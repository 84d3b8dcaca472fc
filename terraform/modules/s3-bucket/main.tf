# A private bucket as every workflow module wants it: no public access, encrypted at rest,
# TLS-only, owner-enforced ACLs, optional versioning and expiry of intermediate prefixes.

data "aws_partition" "current" {}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV2_AWS_62:Notifications belong to the workflow reading the bucket (a bucket has one configuration)
  #checkov:skip=CKV_AWS_144:Cross-region replication is an account-level DR choice; work buckets hold transient data
  #checkov:skip=CKV_AWS_18:Server access logs go to an organisation's central log bucket; CloudTrail data events audit access
  bucket        = var.name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count  = var.versioning ? 1 : 0
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

# The "" prefix is a bucket-wide rule: incomplete multipart uploads are billed but never listed.
# Then one expiry rule per intermediate prefix (one dynamic block: checkov reads only its rules).
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  dynamic "rule" {
    for_each = concat([""], var.expire_prefixes)
    content {
      id     = rule.value == "" ? "abort-incomplete-multipart-uploads" : "expire-${replace(rule.value, "/[^A-Za-z0-9-]/", "-")}"
      status = "Enabled"
      filter {
        prefix = rule.value
      }
      dynamic "expiration" {
        for_each = rule.value == "" ? [] : [var.expiration_days]
        content {
          days = expiration.value
        }
      }
      abort_incomplete_multipart_upload {
        days_after_initiation = 1
      }
    }
  }
}

# The lifecycle configuration used to exist only with expire_prefixes.
moved {
  from = aws_s3_bucket_lifecycle_configuration.this[0]
  to   = aws_s3_bucket_lifecycle_configuration.this
}

resource "aws_s3_bucket_policy" "tls_only" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}
