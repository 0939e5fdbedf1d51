variable "cluster_name" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "http_tokens" {
  type    = string
  default = "optional"
}

resource "aws_launch_template" "nodes" {
  name_prefix   = "${var.cluster_name}-nodes-"
  instance_type = "m7i.large"

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = var.http_tokens
    http_put_response_hop_limit = 2
  }
}

resource "aws_security_group" "nodes" {
  name_prefix = "${var.cluster_name}-nodes-"

  ingress {
    description = "SSH for debugging"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
