variable "name" {
  description = "Bucket name (globally unique on AWS)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.name))
    error_message = "name must be a valid S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null uses SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "versioning" {
  description = "Enable object versioning."
  type        = bool
  default     = false
}

variable "expire_prefixes" {
  description = "Key prefixes whose objects expire after expiration_days (intermediate files)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for prefix in var.expire_prefixes : length(prefix) > 0])
    error_message = "expire_prefixes must not hold \"\": expiring the whole bucket is not an intermediate prefix."
  }
}

variable "expiration_days" {
  description = "Days after which objects under expire_prefixes are deleted."
  type        = number
  default     = 7

  validation {
    condition     = var.expiration_days >= 1
    error_message = "expiration_days must be at least 1."
  }
}

variable "force_destroy" {
  description = "Allow destroying the bucket with objects in it (tests and demos; keep false in production)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for the bucket."
  type        = map(string)
  default     = {}
}
