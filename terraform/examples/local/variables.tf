variable "endpoint" {
  description = "URL of the local AWS."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "artifacts_dir" {
  description = "build/ directory of `make package`."
  type        = string
  default     = "../../../build"
}

variable "name_prefix" {
  description = "Prefix of every resource name."
  type        = string
  default     = "demo"
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = { Project = "stepflow-toolkit", Environment = "local-demo" }
}
