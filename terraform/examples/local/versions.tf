terraform {
  required_version = ">= 1.9.0"

  # `make demo` passes the state path at init; a plain `terraform init` keeps it here.
  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}
