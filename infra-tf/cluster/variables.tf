variable "developer" {
  description = "The developer who owns this cluster (a DNS-1123 label of at most 24 characters, as in turbo.config.yml)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.developer)) && length(var.developer) <= 24
    error_message = "developer must be a DNS-1123 label (lower-case letters, digits, inner hyphens) of at most 24 characters."
  }
}

variable "region" {
  description = "AWS region of the cluster (the shared network's region)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region such as eu-west-1."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the control plane and nodes, such as 1.35."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must be a Kubernetes minor version such as 1.35."
  }
}

variable "node_instance_types" {
  description = "EC2 instance types of the managed node group, all of one size; On-Demand uses the first, Spot draws on all."
  type        = list(string)
  default     = ["t3.medium"]

  validation {
    condition     = length(var.node_instance_types) >= 1 && alltrue([for type in var.node_instance_types : can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", type))])
    error_message = "node_instance_types must be a non-empty list of EC2 instance types such as [\"t3.medium\", \"t3a.medium\"]."
  }

  validation {
    # Graviton families carry a "g" after their generation (t4g, m7g, c6gn); x86 families never do.
    condition     = alltrue([for type in var.node_instance_types : can(regex("^[a-z]+[0-9]+g[a-z]*\\.", type)) == (var.node_arch == "arm64")])
    error_message = "node_instance_types must match node_arch: Graviton types (t4g, m7g, c7g) for arm64, x86_64 types (t3, m6i) for amd64."
  }
}

variable "node_capacity_type" {
  description = "ON_DEMAND or SPOT (EKS's capacity types)."
  type        = string
  default     = "ON_DEMAND"

  validation {
    condition     = contains(["ON_DEMAND", "SPOT"], var.node_capacity_type)
    error_message = "node_capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "node_arch" {
  description = "CPU architecture of the nodes: amd64 (x86_64) or arm64 (Graviton)."
  type        = string
  default     = "amd64"

  validation {
    condition     = contains(["amd64", "arm64"], var.node_arch)
    error_message = "node_arch must be amd64 or arm64."
  }
}

variable "spot_wait_minutes" {
  description = "How long a Spot node group may take to become ACTIVE before the apply fails, so that Turbo falls back to On-Demand."
  type        = number
  default     = 10

  validation {
    condition     = var.spot_wait_minutes >= 3 && var.spot_wait_minutes <= 60 && floor(var.spot_wait_minutes) == var.spot_wait_minutes
    error_message = "spot_wait_minutes must be a whole number from 3 to 60."
  }
}

variable "node_min_size" {
  description = "Minimum number of nodes."
  type        = number
  default     = 1

  validation {
    condition     = var.node_min_size >= 1 && var.node_min_size <= 20 && floor(var.node_min_size) == var.node_min_size
    error_message = "node_min_size must be a whole number from 1 to 20."
  }
}

variable "node_desired_size" {
  description = "Number of nodes to start with."
  type        = number
  default     = 2

  validation {
    condition     = var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size && floor(var.node_desired_size) == var.node_desired_size
    error_message = "node_desired_size must be a whole number with node_min_size <= node_desired_size <= node_max_size."
  }
}

variable "node_max_size" {
  description = "Maximum number of nodes."
  type        = number
  default     = 3

  validation {
    condition     = var.node_max_size >= 1 && var.node_max_size <= 20 && floor(var.node_max_size) == var.node_max_size
    error_message = "node_max_size must be a whole number from 1 to 20."
  }
}

variable "developer_principal_arn" {
  description = "The developer's IAM user or role: it gets cluster-admin on this cluster through an EKS access entry. Empty for a warm pool member."
  type        = string

  validation {
    # Access entries take IAM users and roles, not STS assumed-role session ARNs. A warm pool member has none.
    condition     = var.developer_principal_arn == "" || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(user|role)/[A-Za-z0-9+=,.@_/-]{1,512}$", var.developer_principal_arn))
    error_message = "developer_principal_arn must be an IAM user or role ARN such as arn:aws:iam::123456789012:user/alice."
  }
}

variable "turbo_lambda_role_arn" {
  description = "Turbo's Lambda role (image-sync): it may patch Deployments in the app namespace."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$", var.turbo_lambda_role_arn))
    error_message = "turbo_lambda_role_arn must be an IAM role ARN such as arn:aws:iam::123456789012:role/turbo-prod-lambda."
  }
}

variable "expires_at" {
  description = "When Turbo will destroy this cluster, as an ISO-8601 instant in UTC (the turbo:expires-at tag)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]+)?)?Z$", var.expires_at)) && can(timeadd(var.expires_at, "0s"))
    error_message = "expires_at must be an ISO-8601 UTC instant such as 2026-11-24T18:00:00Z."
  }
}

variable "app_namespace" {
  description = "Namespace of the app: the only one where Turbo's Lambda role may edit objects."
  type        = string
  default     = "turbo-app"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.app_namespace)) && length(var.app_namespace) <= 63
    error_message = "app_namespace must be a DNS-1123 label."
  }
}

variable "network_parameter_prefix" {
  description = "SSM path where infra-tf/network published the shared VPC's IDs."
  type        = string
  default     = "/turbo/network"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.network_parameter_prefix))
    error_message = "network_parameter_prefix must be an SSM path such as /turbo/network."
  }
}
