module "a" {
  source = "./sub"
  value  = module.b.id
}
module "b" {
  source = "./sub"
  value  = module.a.id
}
