# Test root only: every service endpoint goes to the embedded local AWS (planned, never applied:
# the plan reads the data sources there).
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "localaws"
  secret_key                  = "localaws"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    s3  = var.endpoint
    sts = var.endpoint
  }
}
