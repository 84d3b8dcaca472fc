variable "layer_name" {
  description = "Name of the Lambda layer."
  type        = string
  default     = "ffmpeg"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.layer_name))
    error_message = "layer_name must be 1-64 characters of letters, digits, '-' and '_'."
  }
}

variable "filename" {
  description = "Path of the layer zip built by `make package` (build/layers/ffmpeg.zip)."
  type        = string

  validation {
    condition     = endswith(var.filename, ".zip")
    error_message = "filename must point at a .zip artefact."
  }
}

variable "artifact_bucket" {
  description = "Existing S3 bucket the layer zip is uploaded to: it is over Lambda's 50 MB direct-upload limit."
  type        = string
}

variable "artifact_key_prefix" {
  description = "Key prefix for the uploaded layer zip; the key ends with the zip's sha256 so versions never collide."
  type        = string
  default     = "lambda-layers/"
}

variable "compatible_runtimes" {
  description = "Runtimes the static binaries work with (any: they need nothing from the runtime)."
  type        = list(string)
  default     = ["python3.9", "python3.10", "python3.11", "python3.12", "python3.13", "provided.al2023"]
}

variable "license_info" {
  description = "Licence of the binaries in the layer (the bundled static ffmpeg build is GPL-3.0-or-later)."
  type        = string
  default     = "GPL-3.0-or-later"
}

variable "tags" {
  description = "Tags for the uploaded object."
  type        = map(string)
  default     = {}
}
