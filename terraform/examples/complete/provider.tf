# Credentials come from the environment (AWS_PROFILE, SSO, or the OIDC role in CI); none here.
provider "aws" {
  region = var.region

  # Every resource of every module is tagged here, so the modules get no tags of their own.
  default_tags {
    tags = merge(var.tags, { Workflows = var.name_prefix })
  }
}
