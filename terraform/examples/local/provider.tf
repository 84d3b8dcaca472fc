# The embedded local AWS (scripts/local_aws.py): every endpoint goes to one loopback URL.
# Only example and test roots configure this; the modules never know they run locally.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "localaws"
  secret_key                  = "localaws"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = false # Glue ARNs (and so their tags) need the account id
  s3_use_path_style           = true

  endpoints {
    appsync        = var.endpoint
    cloudwatch     = var.endpoint
    cloudwatchlogs = var.endpoint
    dynamodb       = var.endpoint
    events         = var.endpoint
    glue           = var.endpoint
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

  default_tags {
    tags = var.tags
  }
}
