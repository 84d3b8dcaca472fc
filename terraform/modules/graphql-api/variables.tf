variable "name" {
  description = "Name prefix of the API and every resource of the module."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$", var.name))
    error_message = "name: 1-48 letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "artifacts_dir" {
  description = "Directory produced by `make package` (holds manifest.json and lambda/graphql_resolvers.zip)."
  type        = string

  validation {
    condition     = fileexists("${var.artifacts_dir}/manifest.json")
    error_message = "artifacts_dir has no manifest.json: run `make package` and point this at its build/ directory."
  }
}

variable "package_upload" {
  description = "Upload the resolver's zip to this bucket (in the function's Region) and create the function from it; null uploads the zip with the function."
  type        = object({ bucket = string })
  default     = null
}

variable "rider_table_name" {
  description = "The rider-photo module's riders table (its `table_name` output)."
  type        = string
}

variable "rider_table_arn" {
  description = "ARN of that table (rider-photo's `table_arn`), for the resolver's read grant."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:dynamodb:[a-z0-9-]+:[0-9]{12}:table/", var.rider_table_arn))
    error_message = "rider_table_arn must be a DynamoDB table ARN."
  }
}

variable "rider_state_machine_arn" {
  description = "The rider-photo state machine (its `state_machine_arn` output): its runs are read, and its successes publish onRiderRegistered."
  type        = string

  validation {
    condition     = can(regex("^arn:[a-z-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:", var.rider_state_machine_arn))
    error_message = "rider_state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "media_workflow" {
  description = "The media-convert workflow: its state machine (its `state_machine_arn` output), or null: mediaJob/mediaJobs then answer an error and nothing publishes onMediaJobFinished. An object, so that whether it is set is known at plan time while the ARN is not."
  type        = object({ state_machine_arn = string })
  default     = null

  validation {
    condition     = var.media_workflow == null || can(regex("^arn:[a-z-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:", var.media_workflow.state_machine_arn))
    error_message = "media_workflow.state_machine_arn must be a Step Functions state machine ARN."
  }
}

variable "authentication_type" {
  description = "The API's default authorization mode: API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS or OPENID_CONNECT."
  type        = string
  default     = "API_KEY"

  validation {
    condition     = contains(["API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT"], var.authentication_type)
    error_message = "authentication_type must be API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS or OPENID_CONNECT."
  }
}

variable "additional_authentication_types" {
  description = "Further authorization modes (the same four, each once, not the default). Every read field accepts every mode; the publish mutations only AWS_IAM, which publish_workflow_events needs."
  type        = list(string)
  default     = ["AWS_IAM"]

  validation {
    condition = alltrue([
      for t in var.additional_authentication_types : contains(["API_KEY", "AWS_IAM", "AMAZON_COGNITO_USER_POOLS", "OPENID_CONNECT"], t)
    ]) && length(distinct(var.additional_authentication_types)) == length(var.additional_authentication_types)
    error_message = "additional_authentication_types: API_KEY, AWS_IAM, AMAZON_COGNITO_USER_POOLS or OPENID_CONNECT, each at most once."
  }
}

variable "api_key_expires" {
  description = "When the API key expires (RFC 3339 on the hour, 1 to 365 days ahead when applied); change it to extend the key. null: AppSync's default, 7 days after creation. Ignored without API_KEY."
  type        = string
  default     = null

  # AppSync rounds the expiry down to the hour: any other time would be planned again every run.
  validation {
    condition     = var.api_key_expires == null || try(formatdate("mm:ss", var.api_key_expires) == "00:00", false)
    error_message = "api_key_expires must be an RFC 3339 timestamp on the hour, such as 2027-01-01T00:00:00Z (AppSync rounds it down to the hour)."
  }
}

variable "create_user_pool" {
  description = "Create a Cognito user pool and app client for the AMAZON_COGNITO_USER_POOLS mode (ignored when cognito_user_pool_id is set)."
  type        = bool
  default     = false
}

variable "cognito_user_pool_id" {
  description = "An existing Cognito user pool for the AMAZON_COGNITO_USER_POOLS mode; null uses the created one."
  type        = string
  default     = null
}

variable "cognito_app_id_client_regex" {
  description = "Only tokens of app clients whose id matches this regular expression are accepted (AMAZON_COGNITO_USER_POOLS); null accepts the pool's clients."
  type        = string
  default     = null
}

variable "openid_connect" {
  description = "The OPENID_CONNECT mode's provider: issuer (its discovery document is at issuer/.well-known/openid-configuration), client_id (the `aud` required, null for any), and the token lifetimes in milliseconds accepted after auth_time and iat (0: no limit)."
  type = object({
    issuer    = string
    client_id = optional(string)
    auth_ttl  = optional(number, 0)
    iat_ttl   = optional(number, 0)
  })
  default = null

  validation {
    condition     = var.openid_connect == null || can(regex("^https://", var.openid_connect.issuer))
    error_message = "openid_connect.issuer must be an https:// URL."
  }
}

variable "query_depth_limit" {
  description = "Most levels of nesting a query may have (AppSync's queryDepthLimit, 1-75; 0: no limit). The deepest query of this schema, riders → items → photoProcessing → steps → name, has 5."
  type        = number
  default     = 8

  validation {
    condition     = var.query_depth_limit == floor(var.query_depth_limit) && var.query_depth_limit >= 0 && var.query_depth_limit <= 75
    error_message = "query_depth_limit must be a whole number from 0 to 75."
  }
}

variable "resolver_count_limit" {
  description = "Most resolver invocations one request may make (AppSync's resolverCountLimit, 1-10000; 0: AppSync's default, 10000)."
  type        = number
  default     = 0

  validation {
    condition     = var.resolver_count_limit == floor(var.resolver_count_limit) && var.resolver_count_limit >= 0 && var.resolver_count_limit <= 10000
    error_message = "resolver_count_limit must be a whole number from 0 to 10000."
  }
}

variable "introspection_enabled" {
  description = "Answer introspection queries (__schema, __type); disable to keep the schema private."
  type        = bool
  default     = true
}

variable "field_log_level" {
  description = "AppSync field-level logging: NONE, ERROR (fields that failed), INFO, DEBUG or ALL."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["NONE", "ERROR", "INFO", "DEBUG", "ALL"], var.field_log_level)
    error_message = "field_log_level must be NONE, ERROR, INFO, DEBUG or ALL."
  }
}

variable "log_verbose_content" {
  description = "Log headers, context and mapped templates as well (may contain personal data: off by default)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the API's and the resolver function's log groups."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

variable "xray_enabled" {
  description = "Trace requests with X-Ray (the API and the resolver function)."
  type        = bool
  default     = false
}

variable "web_acl_arn" {
  description = "A WAFv2 web ACL (scope REGIONAL, same Region) to associate with the API; null associates none."
  type        = string
  default     = null

  validation {
    condition     = var.web_acl_arn == null || can(regex("^arn:[a-z-]+:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/", var.web_acl_arn))
    error_message = "web_acl_arn must be a regional WAFv2 web ACL ARN."
  }
}

variable "publish_workflow_events" {
  description = "EventBridge rules call publishRiderRegistered when a rider-photo run succeeds and publishMediaJobFinished when a media run ends (Step Functions' Execution Status Change events), feeding the subscriptions. Needs AWS_IAM among the modes."
  type        = bool
  default     = true
}

variable "function_timeout" {
  description = "Timeout in seconds of the resolver function (AppSync waits at most 30 s for a data source)."
  type        = number
  default     = 25

  validation {
    condition     = var.function_timeout >= 1 && var.function_timeout <= 30
    error_message = "function_timeout must be between 1 and 30 seconds."
  }
}

variable "kms_key_arn" {
  description = "KMS key for the log groups and the function's environment variables; null uses AWS-managed encryption."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
