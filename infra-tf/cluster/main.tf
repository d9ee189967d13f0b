locals {
  cluster_name = "turbo-${var.developer}"

  tags = {
    "turbo:owner"      = var.developer
    "turbo:expires-at" = var.expires_at
    "turbo:managed-by" = "turbo"
  }

  access_policy_prefix = "arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy"
}

data "aws_partition" "current" {}

data "aws_ssm_parameter" "vpc_id" {
  name = "${var.network_parameter_prefix}/vpc-id"
}

data "aws_ssm_parameter" "private_subnet_ids" {
  name = "${var.network_parameter_prefix}/private-subnet-ids"
}

module "eks" {
  source  = "terraform-aws-modules/eks/aws"
  version = "~> 21.0"

  name               = local.cluster_name
  kubernetes_version = var.kubernetes_version

  # Fixed turbo-* role names: the job role may only manage IAM roles named turbo-*, and the module's
  # default name prefix ("<name>-cluster-") would pass IAM's 38-character prefix limit for long names.
  iam_role_name            = "${local.cluster_name}-cluster"
  iam_role_use_name_prefix = false

  vpc_id     = nonsensitive(data.aws_ssm_parameter.vpc_id.value)
  subnet_ids = split(",", nonsensitive(data.aws_ssm_parameter.private_subnet_ids.value))

  # The developer and the runner reach the API from outside the VPC.
  endpoint_public_access  = true
  endpoint_private_access = true

  # Access entries only: no aws-auth ConfigMap.
  authentication_mode = "API"
  # The identity that runs Terraform (the CodeBuild role or Jenkins' agent role) also runs deploy.sh and
  # the pre-destroy cleanup with kubectl, so it gets an admin access entry.
  enable_cluster_creator_admin_permissions = true

  # A warm pool member (developer_principal_arn "") has no developer: a take's deploy adds the taker's entry.
  access_entries = merge(var.developer_principal_arn == "" ? {} : {
    developer = {
      principal_arn = var.developer_principal_arn
      policy_associations = {
        admin = {
          policy_arn   = "${local.access_policy_prefix}/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
    }, {
    image_sync = {
      principal_arn = var.turbo_lambda_role_arn
      policy_associations = {
        # Enough to get and patch the app's Deployments and watch their rollout; nothing outside the namespace.
        edit = {
          policy_arn = "${local.access_policy_prefix}/AmazonEKSEditPolicy"
          access_scope = {
            type       = "namespace"
            namespaces = [var.app_namespace]
          }
        }
      }
    }
  })

  # STANDARD: a version that leaves standard support is upgraded by EKS instead of billed at the
  # extended-support price ($0.60/h rather than $0.10/h).
  upgrade_policy = { support_type = "STANDARD" }

  addons = {
    # The VPC CNI enforces NetworkPolicy (MongoDB's) only with its network policy agent enabled.
    vpc-cni = {
      before_compute       = true
      configuration_values = jsonencode({ enableNetworkPolicy = "true" })
    }
    eks-pod-identity-agent = { before_compute = true }
    kube-proxy             = {}
    coredns                = {}
    # MongoDB's volume. EKS Pod Identity (not IRSA): no OIDC provider to create and delete every day.
    # The volumes it creates carry Turbo's tags, so the destroy may delete one by ID when no node runs the
    # driver (a hibernated cluster): the job role's ec2:DeleteVolume requires turbo:managed-by. Not the
    # daily expires-at, which would update the add-on on every apply.
    aws-ebs-csi-driver = {
      configuration_values = jsonencode({
        controller = {
          extraVolumeTags = {
            "turbo:owner"      = var.developer
            "turbo:managed-by" = "turbo"
          }
        }
      })
      pod_identity_association = [{
        role_arn        = aws_iam_role.ebs_csi.arn
        service_account = "ebs-csi-controller-sa"
      }]
    }
  }

  eks_managed_node_groups = {
    default = {
      instance_types = var.node_capacity_type == "SPOT" ? var.node_instance_types : [var.node_instance_types[0]]
      capacity_type  = var.node_capacity_type
      ami_type       = var.node_arch == "arm64" ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD"
      # A Spot shortage leaves the node group CREATING; failing the apply at the deadline lets Turbo retry On-Demand.
      timeouts     = { create = var.node_capacity_type == "SPOT" ? "${var.spot_wait_minutes}m" : null }
      min_size     = var.node_min_size
      desired_size = var.node_desired_size
      max_size     = var.node_max_size

      iam_role_name            = "${local.cluster_name}-node"
      iam_role_use_name_prefix = false
    }
  }

  # A cluster that lives for a working day: no per-cluster KMS key (7-day minimum deletion window),
  # no OIDC provider (Pod Identity instead), no control-plane log group. EKS still encrypts Secrets
  # with an AWS-owned key.
  create_kms_key              = false
  attach_encryption_policy    = false
  encryption_config           = null
  enable_irsa                 = false
  create_cloudwatch_log_group = false
  enabled_log_types           = []
  # EKS creates the cluster's primary security group; tagging it afterwards would need ec2:CreateTags
  # on a group that carries none of Turbo's tags (the job role cannot be scoped for that).
  create_primary_security_group_tags = false

  tags = local.tags
}

data "aws_iam_policy_document" "ebs_csi_trust" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "ebs_csi" {
  name               = "${local.cluster_name}-ebs-csi"
  assume_role_policy = data.aws_iam_policy_document.ebs_csi_trust.json
}

resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.ebs_csi.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}
