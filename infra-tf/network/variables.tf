variable "region" {
  description = "AWS region of the shared network (the same region as every developer cluster)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "name" {
  description = "Name of the shared VPC and prefix of its resources."
  type        = string
  default     = "turbo"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.name)) && length(var.name) <= 32
    error_message = "name must be a DNS-1123 label of at most 32 characters."
  }
}

variable "cidr" {
  description = "IPv4 CIDR of the VPC. Each AZ gets a /20 private subnet (4,096 addresses for pods and nodes) and a /24 public one."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr)) && tonumber(split("/", var.cidr)[1]) == 16
    error_message = "cidr must be an IPv4 /16 such as 10.40.0.0/16."
  }
}

variable "az_count" {
  description = "How many availability zones to span (EKS needs at least 2)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for the whole VPC (cheap; an AZ outage cuts egress for the others) instead of one per AZ (about $35/month more per extra AZ in eu-west-1)."
  type        = bool
  default     = true
}

variable "parameter_prefix" {
  description = "SSM parameter path under which the network publishes its IDs for the cluster stacks."
  type        = string
  default     = "/turbo/network"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.parameter_prefix))
    error_message = "parameter_prefix must be an SSM path such as /turbo/network (leading slash, no trailing slash)."
  }
}

variable "pull_through_cache_prefix" {
  description = "ECR repository prefix of the Docker Hub pull-through cache (the last part of Turbo's cluster.pullThroughCache)."
  type        = string
  default     = "docker-hub"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]{1,29}$", var.pull_through_cache_prefix))
    error_message = "pull_through_cache_prefix must be 2 to 30 lowercase letters, digits, dots, hyphens or underscores, starting with a letter or digit."
  }
}

variable "pull_through_cache_images_kept" {
  description = "How many images each cached repository keeps (older releases expire from the cache; Docker Hub keeps them)."
  type        = number
  default     = 20

  validation {
    condition     = var.pull_through_cache_images_kept >= 5 && var.pull_through_cache_images_kept <= 1000
    error_message = "pull_through_cache_images_kept must be from 5 to 1000."
  }
}
