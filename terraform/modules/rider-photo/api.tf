# --- optional trigger: an HTTP API that starts an execution ------------------------------------
#
# POST <api_endpoint>/photos with the execution input {"userId", "s3Bucket", "s3Key"[, "email"]}
# as the body starts one execution (API Gateway's direct Step Functions integration, no Lambda).
# The photo must already be in the photo bucket; the state machine validates the input.

locals {
  api_count = var.create_api ? 1 : 0
}

resource "aws_apigatewayv2_api" "this" {
  count         = local.api_count
  name          = "${var.name}-api"
  description   = "Starts ${var.name} rider-photo executions"
  protocol_type = "HTTP"
  tags          = var.tags
}

resource "aws_iam_role" "api" {
  count       = local.api_count
  name        = "${var.name}-api"
  description = "Lets the ${var.name} HTTP API start executions of its state machine"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "apigateway.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "api" {
  count = local.api_count
  name  = "start-this-workflow"
  role  = aws_iam_role.api[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StartThisWorkflow"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = [module.state_machine.arn]
    }]
  })
}

resource "aws_apigatewayv2_integration" "start_execution" {
  count               = local.api_count
  api_id              = aws_apigatewayv2_api.this[0].id
  description         = "StartExecution with the request body as input"
  integration_type    = "AWS_PROXY"
  integration_subtype = "StepFunctions-StartExecution"
  credentials_arn     = aws_iam_role.api[0].arn
  request_parameters = {
    StateMachineArn = module.state_machine.arn
    Input           = "$request.body"
  }
}

resource "aws_apigatewayv2_route" "start_execution" {
  count              = local.api_count
  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = "POST /photos"
  authorization_type = var.api_authorization_type
  target             = "integrations/${aws_apigatewayv2_integration.start_execution[0].id}"
}

resource "aws_cloudwatch_log_group" "api" {
  count             = local.api_count
  name              = "/aws/apigateway/${var.name}-api"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  count       = local.api_count
  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.api_throttling.burst_limit
    throttling_rate_limit  = var.api_throttling.rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.api[0].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      sourceIp           = "$context.identity.sourceIp"
      caller             = "$context.identity.caller"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      integrationError   = "$context.integrationErrorMessage"
      integrationLatency = "$context.integrationLatency"
    })
  }

  tags = var.tags
}
