# An EKS cluster as a team might first write it: reachable from the internet, no audit log,
# nodes that accept IMDSv1. `stiglint examples/terraform/eks` shows what the STIG says.

locals {
  name = "${var.team}-${var.environment}"
  tags = merge(var.tags, { environment = var.environment })
}

resource "aws_eks_cluster" "this" {
  name     = local.name
  role_arn = aws_iam_role.cluster.arn
  version  = var.kubernetes_version

  enabled_cluster_log_types = var.log_types

  vpc_config {
    subnet_ids             = var.subnet_ids
    endpoint_public_access = var.public_endpoint
  }

  tags = local.tags
}

resource "aws_iam_role" "cluster" {
  name               = "${local.name}-cluster"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [] })
}

resource "aws_cloudwatch_log_group" "cluster" {
  name              = "/aws/eks/${local.name}/cluster"
  retention_in_days = 30
}

module "nodes" {
  source       = "./modules/nodes"
  cluster_name = aws_eks_cluster.this.name
  subnet_ids   = var.subnet_ids
}

resource "aws_eks_addon" "vpc_cni" {
  cluster_name = aws_eks_cluster.this.name
  addon_name   = "vpc-cni"
  configuration_values = jsonencode({
    enableNetworkPolicy = "false"
  })
}
