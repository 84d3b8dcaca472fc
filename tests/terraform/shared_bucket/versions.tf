terraform {
  required_version = ">= 1.5.0"

  # The state path is given at init (-backend-config=path=...), so tests keep it out of the tree.
  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.40, < 7.0"
    }
  }
}
