variable "function_name" {
  description = "Name of the Lambda function; also names its role and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 characters of letters, digits, '-' and '_'."
  }
}

variable "description" {
  description = "Description shown in the Lambda console."
  type        = string
  default     = ""
}

variable "filename" {
  description = "Path of the deployment zip built by `make package` (build/lambda/<fn>.zip)."
  type        = string

  validation {
    condition     = endswith(var.filename, ".zip")
    error_message = "filename must point at a .zip artefact."
  }
}

variable "package_upload" {
  description = "Upload the zip to this bucket, in the function's Region as CreateFunction requires (key lambda/<function_name>/<sha256>.zip) and create the function from it; null uploads it with the function. The AWS provider creates functions from a local file one at a time (a lock held while it reads the zip and waits for the function, at least 5 s each), from S3 all at once. An object, so that the bucket may be one the same apply creates."
  type = object({
    bucket = string
  })
  default = null
}

variable "handler" {
  description = "Handler string, <package>.handler.lambda_handler for this project's functions."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.12"

  validation {
    condition     = contains(["python3.10", "python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be one of python3.10, python3.11, python3.12, python3.13."
  }
}

variable "architecture" {
  description = "Instruction set; the ffmpeg layer and the packaged wheels are x86_64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB (CPU scales with it)."
  type        = number
  default     = 512

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "ephemeral_storage" {
  description = "Size of /tmp in MB."
  type        = number
  default     = 512

  validation {
    condition     = var.ephemeral_storage >= 512 && var.ephemeral_storage <= 10240
    error_message = "ephemeral_storage must be between 512 and 10240 MB."
  }
}

variable "environment" {
  description = "Environment variables. Never put secrets here: pass a parameter or secret name."
  type        = map(string)
  default     = {}
}

variable "layers" {
  description = "Layer version ARNs, at most 5."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.layers) <= 5
    error_message = "A function can use at most 5 layers."
  }
}

variable "policy_statements" {
  description = "Least-privilege IAM statements for the function's role, besides writing its own logs."
  type = list(object({
    sid       = optional(string)
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = []

  validation {
    condition = alltrue([
      for s in var.policy_statements : !contains(s.actions, "*") && length(s.resources) > 0
    ])
    error_message = "Each statement needs resources and must not grant the \"*\" action."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's CloudWatch log group."
  type        = number
  default     = 30

  validation {
    condition = contains(
      [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653],
      var.log_retention_days
    )
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, ... 3653)."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the log group and environment variables; null uses AWS-owned keys."
  type        = string
  default     = null
}

variable "dead_letter_target_arn" {
  description = "SQS queue or SNS topic ARN receiving events of failed asynchronous invocations."
  type        = string
  default     = null

  validation {
    condition     = var.dead_letter_target_arn == null || can(regex("^arn:[^:]+:(sqs|sns):", var.dead_letter_target_arn))
    error_message = "dead_letter_target_arn must be an SQS queue or SNS topic ARN."
  }
}

variable "create_dead_letter_queue" {
  description = "Create an encrypted SQS queue, <function_name>-dlq (14 days' retention), for events of failed asynchronous invocations, instead of passing dead_letter_target_arn."
  type        = bool
  default     = false
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions; -1 leaves the function unreserved."
  type        = number
  default     = -1
}

variable "tracing_mode" {
  description = "X-Ray tracing mode (Active or PassThrough); null disables tracing configuration."
  type        = string
  default     = null

  validation {
    condition     = var.tracing_mode == null || contains(["Active", "PassThrough"], coalesce(var.tracing_mode, "Active"))
    error_message = "tracing_mode must be Active, PassThrough or null."
  }
}

variable "code_signing_config_arn" {
  description = "Lambda code signing configuration that deployments must satisfy (zips signed with AWS Signer); null accepts unsigned zips."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource of the function."
  type        = map(string)
  default     = {}
}
