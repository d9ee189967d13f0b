terraform {
  required_version = ">= 1.11.0"

  # Partial configuration: the bucket and region come from `terraform init -backend-config=...` (see README).
  # S3-native locking (use_lockfile) needs no DynamoDB table.
  backend "s3" {
    key          = "network/terraform.tfstate"
    use_lockfile = true
    encrypt      = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
