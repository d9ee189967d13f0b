output "vpc_id" {
  description = "ID of the shared VPC."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets: EKS nodes and control-plane ENIs."
  value       = module.vpc.private_subnets
}

output "public_subnet_ids" {
  description = "Public subnets: internet-facing load balancers."
  value       = module.vpc.public_subnets
}

output "parameter_prefix" {
  description = "SSM path the cluster stacks read (network_parameter_prefix there)."
  value       = var.parameter_prefix
}

output "pull_through_cache" {
  description = "Turbo's cluster.pullThroughCache: where the nodes pull Docker Hub's images through ECR."
  value       = "${data.aws_caller_identity.current.account_id}.dkr.ecr.${var.region}.amazonaws.com/${aws_ecr_pull_through_cache_rule.docker_hub.ecr_repository_prefix}"
}

output "docker_hub_secret_arn" {
  description = "The pull-through cache's Docker Hub credentials: put the user and access token in it by hand."
  value       = aws_secretsmanager_secret.docker_hub.arn
}
