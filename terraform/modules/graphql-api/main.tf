data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  account_id = data.aws_caller_identity.current.account_id
  modes      = distinct(concat([var.authentication_type], var.additional_authentication_types))
  directives = {
    API_KEY                   = "@aws_api_key"
    AWS_IAM                   = "@aws_iam"
    AMAZON_COGNITO_USER_POOLS = "@aws_cognito_user_pools"
    OPENID_CONNECT            = "@aws_oidc"
  }
  user_pool_id = var.cognito_user_pool_id != null ? var.cognito_user_pool_id : (var.create_user_pool ? aws_cognito_user_pool.this[0].id : null)
  user_pool_config = {
    user_pool_id        = local.user_pool_id
    aws_region          = local.region
    app_id_client_regex = var.cognito_app_id_client_regex
  }
  oidc_config = var.openid_connect

  # Every field the resolver function answers: AppSync invokes it directly (no mapping template).
  resolved_fields = toset(concat(
    ["Query.rider", "Query.riders", "Query.photoProcessing", "Query.mediaJob", "Query.mediaJobs", "Rider.photoProcessing", "Mutation.publishRiderRegistered", "Mutation.publishMediaJobFinished"],
  ))

  # appsync.amazonaws.com assumes the module's roles for this API only (confused-deputy keys;
  # AppSync Developer Guide, "Cross-service confused deputy prevention").
  appsync_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "appsync.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:appsync:${local.region}:${local.account_id}:apis/*" }
      }
    }]
  })
  kms_statements = var.kms_key_arn == null ? [] : [{
    sid       = "UseKey"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }]
  execution_arns = compact([
    "${replace(var.rider_state_machine_arn, ":stateMachine:", ":execution:")}:*",
    var.media_workflow == null ? "" : "${replace(var.media_workflow.state_machine_arn, ":stateMachine:", ":execution:")}:*",
  ])
}

# --- identity providers ------------------------------------------------------------------------

resource "aws_cognito_user_pool" "this" {
  count                    = var.create_user_pool && var.cognito_user_pool_id == null ? 1 : 0
  name                     = var.name
  deletion_protection      = "INACTIVE"
  auto_verified_attributes = ["email"]
  username_attributes      = ["email"]
  mfa_configuration        = "OPTIONAL"

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length    = 12
    require_lowercase = true
    require_uppercase = true
    require_numbers   = true
    require_symbols   = true
  }

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  tags = var.tags
}

resource "aws_cognito_user_pool_client" "this" {
  count        = length(aws_cognito_user_pool.this)
  name         = "${var.name}-graphql"
  user_pool_id = aws_cognito_user_pool.this[0].id
  # SRP for apps; ADMIN_USER_PASSWORD_AUTH for back ends that sign users in with IAM credentials.
  explicit_auth_flows           = ["ALLOW_USER_SRP_AUTH", "ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors = "ENABLED"
  access_token_validity         = 60
  id_token_validity             = 60
  token_validity_units {
    access_token = "minutes"
    id_token     = "minutes"
  }
}

# --- the API -----------------------------------------------------------------------------------

resource "aws_appsync_graphql_api" "this" {
  #checkov:skip=CKV2_AWS_78:The web ACL is the caller's (web_acl_arn): its rules, Log4j's managed rule group among them, are chosen there
  name                = var.name
  authentication_type = var.authentication_type
  schema = templatefile("${path.module}/schema.graphql.tftpl", {
    read = join(" ", [for mode in local.modes : local.directives[mode]])
  })
  xray_enabled         = var.xray_enabled
  query_depth_limit    = var.query_depth_limit
  resolver_count_limit = var.resolver_count_limit
  introspection_config = var.introspection_enabled ? "ENABLED" : "DISABLED"
  visibility           = "GLOBAL" # EventBridge calls public APIs only

  log_config {
    cloudwatch_logs_role_arn = aws_iam_role.logs.arn
    field_log_level          = var.field_log_level
    exclude_verbose_content  = !var.log_verbose_content
  }

  dynamic "user_pool_config" {
    for_each = var.authentication_type == "AMAZON_COGNITO_USER_POOLS" ? [local.user_pool_config] : []
    content {
      user_pool_id        = user_pool_config.value.user_pool_id
      aws_region          = user_pool_config.value.aws_region
      app_id_client_regex = user_pool_config.value.app_id_client_regex
      default_action      = "ALLOW"
    }
  }

  dynamic "openid_connect_config" {
    for_each = var.authentication_type == "OPENID_CONNECT" ? [local.oidc_config] : []
    content {
      issuer    = openid_connect_config.value.issuer
      client_id = openid_connect_config.value.client_id
      auth_ttl  = openid_connect_config.value.auth_ttl
      iat_ttl   = openid_connect_config.value.iat_ttl
    }
  }

  dynamic "additional_authentication_provider" {
    for_each = [for mode in var.additional_authentication_types : mode if mode != var.authentication_type]
    content {
      authentication_type = additional_authentication_provider.value

      dynamic "user_pool_config" {
        for_each = additional_authentication_provider.value == "AMAZON_COGNITO_USER_POOLS" ? [local.user_pool_config] : []
        content {
          user_pool_id        = user_pool_config.value.user_pool_id
          aws_region          = user_pool_config.value.aws_region
          app_id_client_regex = user_pool_config.value.app_id_client_regex
        }
      }

      dynamic "openid_connect_config" {
        for_each = additional_authentication_provider.value == "OPENID_CONNECT" ? [local.oidc_config] : []
        content {
          issuer    = openid_connect_config.value.issuer
          client_id = openid_connect_config.value.client_id
          auth_ttl  = openid_connect_config.value.auth_ttl
          iat_ttl   = openid_connect_config.value.iat_ttl
        }
      }
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !contains(local.modes, "AMAZON_COGNITO_USER_POOLS") || local.user_pool_id != null
      error_message = "AMAZON_COGNITO_USER_POOLS needs cognito_user_pool_id or create_user_pool = true."
    }
    precondition {
      condition     = !contains(local.modes, "OPENID_CONNECT") || var.openid_connect != null
      error_message = "OPENID_CONNECT needs openid_connect."
    }
    precondition {
      condition     = !var.publish_workflow_events || contains(local.modes, "AWS_IAM")
      error_message = "publish_workflow_events needs AWS_IAM among the modes: EventBridge calls AppSync with AWS_IAM only."
    }
  }
}

resource "aws_appsync_api_key" "this" {
  count       = contains(local.modes, "API_KEY") ? 1 : 0
  api_id      = aws_appsync_graphql_api.this.id
  description = "${var.name}: replace before it expires (api_key_expires)"
  expires     = var.api_key_expires
}

resource "aws_wafv2_web_acl_association" "this" {
  count        = var.web_acl_arn == null ? 0 : 1
  resource_arn = aws_appsync_graphql_api.this.arn
  web_acl_arn  = var.web_acl_arn
}

# --- logs: AppSync writes to /aws/appsync/apis/<api id> with the role given in log_config --------

resource "aws_cloudwatch_log_group" "api" {
  #checkov:skip=CKV_AWS_338:Retention is the caller's log_retention_days (default 30); a year of field logs is cost without a requirement
  name              = "/aws/appsync/apis/${aws_appsync_graphql_api.this.id}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_iam_role" "logs" {
  name               = "${var.name}-appsync-logs"
  assume_role_policy = local.appsync_trust
  tags               = var.tags
}

resource "aws_iam_role_policy" "logs" {
  name = "write-api-logs"
  role = aws_iam_role.logs.id
  # The log group is the module's (with its retention), so no logs:CreateLogGroup.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "WriteApiLogs"
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/appsync/apis/*:*"]
    }]
  })
}

# --- resolvers: one direct Lambda data source --------------------------------------------------

module "resolver" {
  source             = "../lambda-function"
  function_name      = "${var.name}-graphql-resolvers"
  description        = "GraphQL resolvers: riders from DynamoDB, workflow runs from Step Functions"
  filename           = "${var.artifacts_dir}/lambda/graphql_resolvers.zip"
  package_upload     = var.package_upload
  handler            = "graphql_resolvers.handler.lambda_handler"
  memory_size        = 256
  timeout            = var.function_timeout
  log_retention_days = var.log_retention_days
  kms_key_arn        = var.kms_key_arn
  tracing_mode       = var.xray_enabled ? "Active" : null
  environment = merge({
    RIDER_TABLE             = var.rider_table_name
    RIDER_STATE_MACHINE_ARN = var.rider_state_machine_arn
    POWERTOOLS_LOG_LEVEL    = "INFO"
  }, var.media_workflow == null ? {} : { MEDIA_STATE_MACHINE_ARN = var.media_workflow.state_machine_arn })
  policy_statements = concat([
    { sid = "ReadRiders", actions = ["dynamodb:GetItem", "dynamodb:Scan"], resources = [var.rider_table_arn] },
    { sid = "ReadRuns", actions = ["states:DescribeExecution", "states:GetExecutionHistory"], resources = local.execution_arns },
    ], var.media_workflow == null ? [] : [
    { sid = "ListMediaRuns", actions = ["states:ListExecutions"], resources = [var.media_workflow.state_machine_arn] },
  ], local.kms_statements)
  tags = var.tags
}

resource "aws_iam_role" "data_source" {
  name = "${var.name}-appsync-resolvers"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "appsync.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnEquals    = { "aws:SourceArn" = aws_appsync_graphql_api.this.arn }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "data_source" {
  name = "invoke-resolvers"
  role = aws_iam_role.data_source.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "InvokeResolvers"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = [module.resolver.function_arn, "${module.resolver.function_arn}:*"]
    }]
  })
}

resource "aws_appsync_datasource" "resolvers" {
  api_id           = aws_appsync_graphql_api.this.id
  name             = "resolvers"
  description      = "The ${var.name}-graphql-resolvers function"
  type             = "AWS_LAMBDA"
  service_role_arn = aws_iam_role.data_source.arn

  lambda_config {
    function_arn = module.resolver.function_arn
  }

  depends_on = [aws_iam_role_policy.data_source]
}

resource "aws_appsync_resolver" "fields" {
  for_each    = local.resolved_fields
  api_id      = aws_appsync_graphql_api.this.id
  type        = split(".", each.key)[0]
  field       = split(".", each.key)[1]
  kind        = "UNIT"
  data_source = aws_appsync_datasource.resolvers.name
}
