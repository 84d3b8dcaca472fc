# rider-photo on the local AWS: short retries, SES for riders with an email, SNS (read through an
# SQS queue) for the others.

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

resource "aws_ses_email_identity" "sender" {
  email = "photos@${var.name}.example.com"
}

# The functions are created from S3 (package_upload), as examples/local does it.
resource "aws_s3_bucket" "packages" {
  bucket        = "${var.name}-packages"
  force_destroy = true
}

module "rider_photo" {
  source                    = "../../../terraform/modules/rider-photo"
  package_upload            = { bucket = aws_s3_bucket.packages.id }
  name                      = var.name
  artifacts_dir             = var.artifacts_dir
  collection_id             = "${var.name}-riders"
  thumbnail_max_size        = 120
  notification_sender_email = aws_ses_email_identity.sender.email
  retry                     = { interval_seconds = 1, max_attempts = 2, backoff_rate = 1 }
  function_timeout          = 60
  force_destroy             = true
  point_in_time_recovery    = false
  log_retention_days        = 7
  tags                      = { Project = "rider-photo-e2e" }
  create_api                = true
  create_alarm_topic        = true # the e2e test subscribes to it
}

# The GraphQL API over the riders and the runs (tests/e2e/test_graphql_api.py), with the four
# modes: API key by default, IAM (and the EventBridge publishing), the module's own user pool,
# and an OIDC provider: a second user pool, whose issuer serves JWKS like any OIDC provider.
resource "aws_cognito_user_pool" "oidc" {
  name = "${var.name}-oidc"
}

resource "aws_cognito_user_pool_client" "oidc" {
  name                = "${var.name}-oidc"
  user_pool_id        = aws_cognito_user_pool.oidc.id
  explicit_auth_flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

resource "aws_cognito_user_pool_client" "oidc_other" {
  name                = "${var.name}-oidc-other"
  user_pool_id        = aws_cognito_user_pool.oidc.id
  explicit_auth_flows = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
}

module "graphql_api" {
  source                          = "../../../terraform/modules/graphql-api"
  name                            = var.name
  artifacts_dir                   = var.artifacts_dir
  package_upload                  = { bucket = aws_s3_bucket.packages.id }
  rider_table_name                = module.rider_photo.table_name
  rider_table_arn                 = module.rider_photo.table_arn
  rider_state_machine_arn         = module.rider_photo.state_machine_arn
  additional_authentication_types = ["AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT"]
  create_user_pool                = true
  openid_connect = {
    issuer    = "https://cognito-idp.us-east-1.amazonaws.com/${aws_cognito_user_pool.oidc.id}"
    client_id = aws_cognito_user_pool_client.oidc.id
  }
  query_depth_limit  = 4
  log_retention_days = 7
  tags               = { Project = "rider-photo-e2e" }
}

# The notifications the test reads.
resource "aws_sqs_queue" "notifications" {
  name = "${var.name}-notifications"
}

resource "aws_sqs_queue_policy" "notifications" {
  queue_url = aws_sqs_queue.notifications.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "sns.amazonaws.com" }
      Action    = "sqs:SendMessage"
      Resource  = aws_sqs_queue.notifications.arn
      Condition = { ArnEquals = { "aws:SourceArn" = module.rider_photo.notification_topic_arn } }
    }]
  })
}

resource "aws_sns_topic_subscription" "notifications" {
  topic_arn            = module.rider_photo.notification_topic_arn
  protocol             = "sqs"
  endpoint             = aws_sqs_queue.notifications.arn
  raw_message_delivery = true
}

output "rider_photo" {
  value = module.rider_photo
}

output "notification_queue_url" {
  value = aws_sqs_queue.notifications.id
}

output "sender_email" {
  value = aws_ses_email_identity.sender.email
}

output "package_bucket" {
  value = aws_s3_bucket.packages.id
}

output "graphql_api" {
  value     = module.graphql_api
  sensitive = true # the API key
}

output "oidc" {
  value = {
    user_pool_id    = aws_cognito_user_pool.oidc.id
    client_id       = aws_cognito_user_pool_client.oidc.id
    other_client_id = aws_cognito_user_pool_client.oidc_other.id
  }
}
