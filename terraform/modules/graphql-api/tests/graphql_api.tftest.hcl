# Plan-level checks of the graphql-api module with a mocked AWS provider: names, the schema's
# directives per configured mode, the roles' trust and grants, options and validation.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-west-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111122223333" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-west-1:111122223333:log-group:mocked" }
  }
  mock_resource "aws_appsync_graphql_api" {
    defaults = {
      id   = "abcdefghijklmnopqrstuvwxyz"
      arn  = "arn:aws:appsync:eu-west-1:111122223333:apis/abcdefghijklmnopqrstuvwxyz"
      uris = { GRAPHQL = "https://abcdefghijklmnopqrstuvwxyz.appsync-api.eu-west-1.amazonaws.com/graphql", REALTIME = "wss://abcdefghijklmnopqrstuvwxyz.appsync-realtime-api.eu-west-1.amazonaws.com/graphql" }
    }
  }
  mock_resource "aws_cognito_user_pool" {
    defaults = { id = "eu-west-1_Pool12345" }
  }
}

override_resource {
  target          = module.resolver.aws_lambda_function.this
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:111122223333:function:wildrydes-graphql-resolvers" }
}

variables {
  name                    = "wildrydes"
  artifacts_dir           = "../../../build" # `make package`
  rider_table_name        = "wildrydes-riders"
  rider_table_arn         = "arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders"
  rider_state_machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:wildrydes"
}

run "defaults" {
  command = plan

  assert {
    condition = (
      aws_appsync_graphql_api.this.name == "wildrydes" &&
      aws_appsync_graphql_api.this.authentication_type == "API_KEY" &&
      module.resolver.function_name == "wildrydes-graphql-resolvers" &&
      aws_iam_role.data_source.name == "wildrydes-appsync-resolvers" &&
      length(aws_appsync_api_key.this) == 1 &&
      output.authentication_types == tolist(["API_KEY", "AWS_IAM"])
    )
    error_message = "API key by default with IAM as additional mode, every resource named from the prefix."
  }
  assert {
    condition = (
      strcontains(aws_appsync_graphql_api.this.schema, "type Rider @aws_api_key @aws_iam {") &&
      strcontains(aws_appsync_graphql_api.this.schema, "publishRiderRegistered(executionArn: ID!): Rider @aws_iam\n") &&
      !strcontains(aws_appsync_graphql_api.this.schema, "@aws_oidc") &&
      !strcontains(aws_appsync_graphql_api.this.schema, "@aws_cognito_user_pools")
    )
    error_message = "Read types carry the directives of the configured modes only; the publish mutations AWS_IAM only."
  }
  assert {
    condition = jsondecode(aws_iam_role.data_source.assume_role_policy).Statement[0] == {
      Effect    = "Allow"
      Principal = { Service = "appsync.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "111122223333" }
        ArnEquals    = { "aws:SourceArn" = "arn:aws:appsync:eu-west-1:111122223333:apis/abcdefghijklmnopqrstuvwxyz" }
      }
    }
    error_message = "Only AppSync, for this API in this account, assumes the data source role."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.data_source.policy).Statement == [{
      Sid      = "InvokeResolvers"
      Effect   = "Allow"
      Action   = ["lambda:InvokeFunction"]
      Resource = ["arn:aws:lambda:eu-west-1:111122223333:function:wildrydes-graphql-resolvers", "arn:aws:lambda:eu-west-1:111122223333:function:wildrydes-graphql-resolvers:*"]
    }]
    error_message = "The data source role invokes the resolver function only."
  }
  assert {
    condition = [for s in jsondecode(module.resolver.policy).Statement : s if s.Sid != "WriteOwnLogs"] == [
      { Sid = "ReadRiders", Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:Scan"], Resource = ["arn:aws:dynamodb:eu-west-1:111122223333:table/wildrydes-riders"] },
      { Sid = "ReadRuns", Effect = "Allow", Action = ["states:DescribeExecution", "states:GetExecutionHistory"], Resource = ["arn:aws:states:eu-west-1:111122223333:execution:wildrydes:*"] },
    ]
    error_message = "The resolver reads the riders table and the rider-photo runs, nothing else (no media workflow given)."
  }
  assert {
    condition = (
      length(aws_appsync_resolver.fields) == 8 &&
      aws_appsync_resolver.fields["Rider.photoProcessing"].type == "Rider" &&
      aws_appsync_resolver.fields["Query.riders"].data_source == "resolvers"
    )
    error_message = "Every resolved field is a direct Lambda resolver of the one data source."
  }
  assert {
    condition = (
      one(aws_appsync_graphql_api.this.log_config).field_log_level == "ERROR" &&
      one(aws_appsync_graphql_api.this.log_config).exclude_verbose_content &&
      aws_cloudwatch_log_group.api.name == "/aws/appsync/apis/abcdefghijklmnopqrstuvwxyz" &&
      aws_cloudwatch_log_group.api.retention_in_days == 30 &&
      !aws_appsync_graphql_api.this.xray_enabled && length(aws_wafv2_web_acl_association.this) == 0 &&
      aws_appsync_graphql_api.this.query_depth_limit == 8
    )
    error_message = "Field logs (errors, no verbose content) kept 30 days; X-Ray and WAF off by default."
  }
  assert {
    condition = (
      length(aws_cloudwatch_event_rule.run_finished) == 1 &&
      aws_cloudwatch_event_rule.run_finished["rider"].event_pattern == jsonencode({
        source        = ["aws.states"]
        "detail-type" = ["Step Functions Execution Status Change"]
        detail = {
          stateMachineArn = ["arn:aws:states:eu-west-1:111122223333:stateMachine:wildrydes"]
          status          = ["SUCCEEDED"]
        }
      })
    )
    error_message = "A succeeded rider-photo run matches the publishing rule."
  }
  assert {
    condition     = aws_cloudwatch_event_target.publish["rider"].arn == "arn:aws:appsync:eu-west-1:111122223333:endpoints/graphql-api/abcdefghijklmnopqrstuvwxyz"
    error_message = "The rule's target is the API's GraphQL endpoint."
  }
  assert {
    condition     = jsonencode(jsondecode(aws_iam_role_policy.events[0].policy).Statement[0].Resource) == jsonencode(["arn:aws:appsync:eu-west-1:111122223333:apis/abcdefghijklmnopqrstuvwxyz/types/Mutation/fields/publishRiderRegistered"])
    error_message = "EventBridge's role may call publishRiderRegistered only."
  }
}

run "all_modes_and_options" {
  command = plan

  variables {
    authentication_type             = "AMAZON_COGNITO_USER_POOLS"
    additional_authentication_types = ["API_KEY", "AWS_IAM", "OPENID_CONNECT"]
    create_user_pool                = true
    openid_connect                  = { issuer = "https://idp.example.com", client_id = "graphql" }
    media_workflow                  = { state_machine_arn = "arn:aws:states:eu-west-1:111122223333:stateMachine:media" }
    xray_enabled                    = true
    web_acl_arn                     = "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/api/1234"
  }

  assert {
    condition = (
      strcontains(aws_appsync_graphql_api.this.schema, "type Query @aws_cognito_user_pools @aws_api_key @aws_iam @aws_oidc {") &&
      one(aws_appsync_graphql_api.this.user_pool_config).user_pool_id == "eu-west-1_Pool12345" &&
      [for p in aws_appsync_graphql_api.this.additional_authentication_provider : p.authentication_type] == ["API_KEY", "AWS_IAM", "OPENID_CONNECT"] &&
      one([for p in aws_appsync_graphql_api.this.additional_authentication_provider : one(p.openid_connect_config).client_id if p.authentication_type == "OPENID_CONNECT"]) == "graphql"
    )
    error_message = "Every mode is configured and named in the schema's directives."
  }
  assert {
    condition = (
      aws_appsync_graphql_api.this.xray_enabled &&
      aws_wafv2_web_acl_association.this[0].web_acl_arn == var.web_acl_arn &&
      sort(keys(aws_cloudwatch_event_rule.run_finished)) == tolist(["media", "rider"]) &&
      contains(jsondecode(module.resolver.policy).Statement[*].Sid, "ListMediaRuns")
    )
    error_message = "X-Ray, the web ACL and the media workflow's publishing and grants follow the options."
  }
}

run "invalid_inputs_are_refused" {
  command = plan

  variables {
    name                            = "has spaces"
    rider_table_arn                 = "arn:aws:s3:::bucket"
    rider_state_machine_arn         = "arn:aws:states:eu-west-1:111122223333:execution:x:y"
    authentication_type             = "AWS_LAMBDA"
    additional_authentication_types = ["AWS_IAM", "AWS_IAM"]
    query_depth_limit               = 76
    field_log_level                 = "VERBOSE"
    log_retention_days              = 10
    function_timeout                = 60
    api_key_expires                 = "2027-01-01T10:45:00Z" # AppSync would keep 10:00
    openid_connect                  = { issuer = "http://idp.example.com" }
  }

  expect_failures = [
    var.name, var.rider_table_arn, var.rider_state_machine_arn, var.authentication_type,
    var.additional_authentication_types, var.query_depth_limit, var.field_log_level,
    var.log_retention_days, var.function_timeout, var.api_key_expires, var.openid_connect,
  ]
}

run "cognito_without_a_pool_is_refused" {
  command = plan

  variables {
    additional_authentication_types = ["AWS_IAM", "AMAZON_COGNITO_USER_POOLS"]
  }

  expect_failures = [aws_appsync_graphql_api.this]
}

run "publishing_without_iam_is_refused" {
  command = plan

  variables {
    additional_authentication_types = []
  }

  expect_failures = [aws_appsync_graphql_api.this]
}
