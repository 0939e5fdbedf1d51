variable "team" {
  type = string
}

variable "environment" {
  type    = string
  default = "dev"
}

variable "kubernetes_version" {
  type    = string
  default = "1.33"
}

variable "public_endpoint" {
  description = "Whether the API server endpoint is reachable from the internet"
  type        = bool
  default     = true
}

variable "log_types" {
  type    = list(string)
  default = ["api", "authenticator"]
}

variable "subnet_ids" {
  type = list(string)
}

variable "tags" {
  type    = map(string)
  default = {}
}
