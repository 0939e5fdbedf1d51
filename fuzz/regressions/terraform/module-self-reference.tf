module "eks" {
  source = "./sub"
  value  = module.eks.id
}
