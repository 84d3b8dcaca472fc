variable "name" {
  description = "Name of the state machine; also names its role (<name>-states) and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,57}$", var.name))
    error_message = "name must be 1-57 characters of letters, digits, '-' and '_' (the role name adds 7)."
  }
}

variable "description" {
  description = "Description of the execution role; null says whose state machine it is from name."
  type        = string
  default     = null
}

variable "definition" {
  description = "Amazon States Language definition (JSON), e.g. rendered with templatefile()."
  type        = string

  validation {
    condition     = can(jsondecode(var.definition).StartAt) && can(jsondecode(var.definition).States)
    error_message = "definition must be an Amazon States Language JSON document with StartAt and States."
  }
}

variable "policy_statements" {
  description = "Least-privilege IAM statements for the execution role (what the states call), besides delivering its own logs and traces."
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

  validation {
    condition = alltrue([
      for s in var.policy_statements : !contains(s.actions, "*") && length(s.resources) > 0
    ])
    error_message = "Each statement needs resources and must not grant the \"*\" action."
  }
}

variable "log_level" {
  description = "Execution events sent to CloudWatch Logs: ALL, ERROR, FATAL or OFF."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "include_execution_data" {
  description = "Log states' input and output too; they may carry personal data, and the execution history keeps them anyway."
  type        = bool
  default     = false
}

variable "tracing_enabled" {
  description = "Send X-Ray traces of the executions (billed per state transition traced)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the execution log group."
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
  description = "KMS key encrypting the execution log group; null uses CloudWatch Logs' own encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for the state machine, its role and its log group."
  type        = map(string)
  default     = {}
}
