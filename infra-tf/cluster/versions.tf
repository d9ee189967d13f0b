terraform {
  # Terraform 1.9+ lets a validation refer to other variables (node sizes); 1.11 made use_lockfile GA.
  required_version = ">= 1.11.0"

  # One state per developer. Partial configuration on purpose: scripts/terraform.sh passes
  # bucket, region and key = "clusters/<developer>.tfstate" to `terraform init`, because a backend
  # block cannot read variables. S3-native locking (use_lockfile) needs no DynamoDB table.
  backend "s3" {
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

  # Every resource carries Turbo's tags: reconcile finds clusters by turbo:owner, and the job role's
  # IAM conditions match on turbo:managed-by.
  default_tags {
    tags = local.tags
  }
}
