variable "endpoint" {
  description = "URL of the local AWS."
  type        = string
}

variable "build_dir" {
  description = "Directory holding the packaged test functions (lambda/) and the layer (layers/)."
  type        = string
}

variable "layer_zip" {
  description = "Path of the ffmpeg layer zip."
  type        = string
}

variable "prefix" {
  description = "Name prefix, unique per test run."
  type        = string
  default     = "foundation"
}
