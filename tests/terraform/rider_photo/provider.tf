# Test root only: every service endpoint goes to the embedded local AWS.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "localaws"
  secret_key                  = "localaws"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    appsync        = var.endpoint
    cognitoidp     = var.endpoint
    cloudwatch     = var.endpoint
    cloudwatchlogs = var.endpoint
    events         = var.endpoint
    dynamodb       = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    rekognition    = var.endpoint
    s3             = var.endpoint
    ses            = var.endpoint
    sfn            = var.endpoint
    sns            = var.endpoint
    sqs            = var.endpoint
    sts            = var.endpoint
  }
}
