# A hardened EKS cluster on an outdated Kubernetes, with a KMS key that never rotates.
# plan.json beside it is `terraform show -json` of its plan: `stiglint examples/terraform/plan/plan.json`
# reads the planned values and points findings at the lines of this file.

resource "aws_kms_key" "eks" {
  description         = "EKS secrets envelope encryption"
  enable_key_rotation = false
}

resource "aws_eks_cluster" "prod" {
  name     = "prod"
  role_arn = "arn:aws:iam::111122223333:role/eks-cluster"
  version  = "1.30"

  enabled_cluster_log_types = ["api", "audit", "authenticator"]

  vpc_config {
    subnet_ids              = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.eks.arn
    }
  }
}
