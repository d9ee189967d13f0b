# Docker Hub through ECR: every cluster's nodes pull the app's images from this account's pull-through cache, so
# Docker Hub sees one authenticated pull per new image instead of one anonymous pull per cluster through the NAT
# gateway's one address (10 an hour: a morning of deploys stops in ImagePullBackOff). Turbo's config names the
# cache as cluster.pullThroughCache: <account>.dkr.ecr.<region>.amazonaws.com/<prefix>.
#
# The Docker Hub credentials live in Secrets Manager, read by ECR alone. Terraform creates the secret empty (no
# value ever enters the state); put the user and an access token in it once, by hand:
#   aws secretsmanager put-secret-value --secret-id ecr-pullthroughcache/<name>-docker-hub \
#     --secret-string file://docker-hub.json     # {"username": "...", "accessToken": "..."}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

resource "aws_secretsmanager_secret" "docker_hub" {
  # ECR reads only secrets whose name starts with ecr-pullthroughcache/.
  name        = "ecr-pullthroughcache/${var.name}-docker-hub"
  description = "Docker Hub user and access token of the ECR pull-through cache (set by hand; never in Terraform)."
}

resource "aws_ecr_pull_through_cache_rule" "docker_hub" {
  ecr_repository_prefix = var.pull_through_cache_prefix
  upstream_registry_url = "registry-1.docker.io"
  credential_arn        = aws_secretsmanager_secret.docker_hub.arn
}

# A node's first pull of an image creates the cached repository and imports the image; its node role (the EKS
# module's, turbo-<developer>-node) has only AmazonEC2ContainerRegistryReadOnly, so the registry grants the rest.
resource "aws_ecr_registry_policy" "pull_through" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "TurboNodesFillThePullThroughCache"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root" }
      Action    = ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"]
      Resource  = "arn:${data.aws_partition.current.partition}:ecr:${var.region}:${data.aws_caller_identity.current.account_id}:repository/${var.pull_through_cache_prefix}/*"
      Condition = {
        ArnLike = { "aws:PrincipalArn" = "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/turbo-*-node" }
      }
    }]
  })
}

# Every release adds images to the cache: each cached repository keeps the newest ones only.
resource "aws_ecr_repository_creation_template" "pull_through" {
  prefix               = var.pull_through_cache_prefix
  applied_for          = ["PULL_THROUGH_CACHE"]
  image_tag_mutability = "MUTABLE"
  lifecycle_policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the newest ${var.pull_through_cache_images_kept} images of each cached repository"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = var.pull_through_cache_images_kept }
      action       = { type = "expire" }
    }]
  })
  resource_tags = local.tags
}
