locals {
  tags = {
    "turbo:managed-by" = "turbo"
    "turbo:component"  = "network"
  }

  azs = slice(data.aws_availability_zones.available.names, 0, var.az_count)
}

data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "~> 6.5"

  name = var.name
  cidr = var.cidr
  azs  = local.azs

  # /20 private subnets (nodes and, through the VPC CNI, every pod) and /24 public ones placed after them.
  private_subnets = [for index, _ in local.azs : cidrsubnet(var.cidr, 4, index)]
  public_subnets  = [for index, _ in local.azs : cidrsubnet(var.cidr, 8, 48 + index)]

  enable_nat_gateway     = true
  single_nat_gateway     = var.single_nat_gateway
  one_nat_gateway_per_az = !var.single_nat_gateway

  enable_dns_hostnames = true
  enable_dns_support   = true

  # Where Kubernetes puts load balancers: internet-facing ones in public subnets, internal ones in private.
  # No kubernetes.io/cluster/<name> tag: the VPC is shared, and untagged subnets are usable by every cluster.
  public_subnet_tags = {
    "kubernetes.io/role/elb" = "1"
  }
  private_subnet_tags = {
    "kubernetes.io/role/internal-elb" = "1"
  }

  tags = local.tags
}

# Published as SSM parameters so a cluster stack needs only ssm:GetParameter, not read access to this state.
resource "aws_ssm_parameter" "vpc_id" {
  name  = "${var.parameter_prefix}/vpc-id"
  type  = "String"
  value = module.vpc.vpc_id
}

resource "aws_ssm_parameter" "private_subnet_ids" {
  name  = "${var.parameter_prefix}/private-subnet-ids"
  type  = "StringList"
  value = join(",", module.vpc.private_subnets)
}

resource "aws_ssm_parameter" "public_subnet_ids" {
  name  = "${var.parameter_prefix}/public-subnet-ids"
  type  = "StringList"
  value = join(",", module.vpc.public_subnets)
}
