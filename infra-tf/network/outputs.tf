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
