terraform {
  required_version = ">= 1.9.0"

  # State is local as committed; an infra repo adds its own backend here, e.g.
  # backend "s3" { bucket = "...", key = "stepflow/terraform.tfstate", use_lockfile = true }.

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}
